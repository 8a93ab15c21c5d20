/**
 * Why internet sharing could not be switched on. Every message tells the user what to do; the
 * controller copies `message` into NatState.error / unavailableReason verbatim.
 */
export class NatError extends Error {
  constructor(
    message: string,
    /** privilege: needs root/administrator; unavailable: tool or OS feature missing; invalid: bad request; failed: a command failed. */
    readonly kind: 'privilege' | 'unavailable' | 'invalid' | 'failed',
  ) {
    super(message);
    this.name = 'NatError';
  }
}

export const LINUX_PRIVILEGE_HINT =
  'Internet sharing changes the firewall and IP forwarding, which needs administrator rights. ' +
  'Run Bootcast as root (e.g. `sudo bootcast serve …`), or give it the CAP_NET_ADMIN capability ' +
  '(as a systemd service: `AmbientCapabilities=CAP_NET_ADMIN`; the capability must be inherited by the `nft`/`iptables` it runs).';

export const MACOS_PRIVILEGE_HINT =
  'Internet sharing changes the pf firewall and IP forwarding, which needs administrator rights. ' +
  'Run Bootcast with sudo (e.g. `sudo bootcast serve …`) or start the app from an administrator account with sudo.';

export const WINDOWS_PRIVILEGE_HINT =
  'Internet sharing changes Windows network settings, which needs administrator rights. ' +
  'Close Bootcast and start it again with "Run as administrator" (or from an elevated PowerShell).';

/** True when a command's output says the kernel/OS refused for lack of privilege. */
export function looksLikePermissionDenied(text: string): boolean {
  return /operation not permitted|permission denied|you must be root|access is denied|0x80070005|requires elevation|not have permission/i.test(text);
}
