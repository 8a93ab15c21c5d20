// The CLI as a program (`node out/cli/run.mjs …`): what the desktop app's engine helper runs on
// its own Electron binary in Node mode. bin/bootcast.mjs is the same for the npm package.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
