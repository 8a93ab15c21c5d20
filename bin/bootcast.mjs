#!/usr/bin/env node
// The `bootcast` command. The engine and CLI are TypeScript; tsx loads them in-process so that
// `npx bootcast …` works straight after `npm ci`, with no build step for the headless host.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/hosts/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
