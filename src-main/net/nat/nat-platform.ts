import { join } from 'node:path';
import { runCommand, type CommandRunner } from './command-runner.ts';
import { linuxBackends } from './linux-backend.ts';
import { MacPfBackend } from './macos-pf.ts';
import { WindowsIcsBackend } from './windows-ics.ts';
import { WindowsNetNatBackend } from './windows-netnat.ts';
import type { IpForwardSwitch } from './linux-ip-forward.ts';
import type { NatBackend } from './nat-backend.ts';
import { DefaultNatController, type NatController } from './nat-controller.ts';
import { NAT_RECORD_FILE } from './nat-record.ts';

export interface CreateNatControllerOptions {
  /** The engine's data directory; the record lives at `<dataDir>/nat-state.json`. */
  dataDir: string;
  platform?: NodeJS.Platform;
  /** Injected for tests (recorded outputs, hiding `nft`). */
  run?: CommandRunner;
  /** Linux only: where net.ipv4.ip_forward is read/written (default /proc/sys). */
  ipForward?: IpForwardSwitch;
}

/** Backends for one OS, in order of preference. */
export function platformBackends(platform: NodeJS.Platform, run: CommandRunner, ipForward?: IpForwardSwitch): NatBackend[] {
  switch (platform) {
    case 'linux':
      return linuxBackends(run, ipForward);
    case 'darwin':
      return [new MacPfBackend(run)];
    case 'win32':
      return [new WindowsNetNatBackend(run), new WindowsIcsBackend(run)];
    default:
      return [];
  }
}

export function createNatController(options: CreateNatControllerOptions): NatController {
  const platform = options.platform ?? process.platform;
  const backends = platformBackends(platform, options.run ?? runCommand, options.ipForward);
  return new DefaultNatController({
    stateFile: join(options.dataDir, NAT_RECORD_FILE),
    backends,
    unsupportedReason: `internet sharing is not implemented for ${platform}`,
  });
}
