#!/usr/bin/env node
// The `bootcast` command. Installed from the npm package it runs the CLI bundled at build time
// (out/cli, plain JavaScript: no compiler at run time). In a source checkout (src-main is here)
// it runs the TypeScript through tsx, a devDependency, so `npx bootcast …` needs no build step
// and never runs a stale bundle; BOOTCAST_CLI=bundle runs the bundle there too.
import { existsSync } from 'node:fs';

const source = new URL('../src-main/hosts/cli/main.ts', import.meta.url);
let main;
if (process.env.BOOTCAST_CLI !== 'bundle' && existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../out/cli/main.mjs'));
}
process.exitCode = await main(process.argv.slice(2));
