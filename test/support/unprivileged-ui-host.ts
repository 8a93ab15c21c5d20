// A desktop window's main process without Electron, for tests: the in-process engine behind an
// EngineSwitch that moves to the privileged helper on Start, served to a browser by the headless
// host. Run as an unprivileged user:
//   node --import tsx unprivileged-ui-host.ts DATA_DIR RENDERER_DIR RUN_DIR ELEVATE_JSON [--keep-serving] [--shell-elevation]
// --shell-elevation: ELEVATE_JSON runs one shell command line and relays no stdio (as macOS's
// administrator prompt does), so the helper's stdio goes through FIFOs.
// Prints `UI: <url>` when ready; stops on SIGTERM.
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine.ts';
import { startHeadlessHost } from '../../src-main/hosts/headless/headless-host.ts';
import { EngineSwitch } from '../../src-main/hosts/helper/engine-switch.ts';
import { launchPrivilegedEngine } from '../../src-main/hosts/helper/helper-launcher.ts';
import { currentPrivilegeFacts, desktopStartNotice } from '../../src-main/net/port-privileges.ts';

const [dataDir, rendererDir, runDir, elevateJson, ...flags] = process.argv.slice(2);
const repo = join(import.meta.dirname, '..', '..');
const local = await Engine.create({ dataDir: dataDir! });
const engine = new EngineSwitch({
  local,
  startNotice: (s) => desktopStartNotice(s, currentPrivilegeFacts()),
  natNeedsHelper: true,
  launch: async () =>
    (
      await launchPrivilegedEngine({
        elevate: flags.includes('--shell-elevation') ? (line: string) => [...(JSON.parse(elevateJson!) as string[]), 'sh', '-c', line] : (JSON.parse(elevateJson!) as string[]),
        command: [process.execPath, join(repo, 'bin/bootcast.mjs'), 'engine-helper', '--run-dir', runDir!, '--grace-ms', '300'],
        handshake: { dataDir: dataDir!, ownerUid: process.getuid!(), ownerGid: process.getgid!() },
        onLog: (line) => process.stderr.write(`helper: ${line}\n`),
      })
    ).engine,
  onHelperLost: (why) => process.stderr.write(`${why}\n`),
});
if (flags.includes('--keep-serving')) await engine.setKeepServing(true);
const host = await startHeadlessHost({ api: engine, port: 0, rendererDir: rendererDir! });
process.stdout.write(`UI: ${host.url}\n`);
process.once('SIGTERM', () => {
  void host.close().then(() => engine.dispose()).then(() => process.exit(0));
});
