import { describeFailure, type CommandRunner } from './command-runner.ts';
import { checkInterfaceName, type NatBackend, type NatPlan } from './nat-backend.ts';
import { MACOS_PRIVILEGE_HINT, NatError, looksLikePermissionDenied } from './nat-errors.ts';
import type { NatRecord } from './nat-record.ts';

/**
 * Bootcast's pf anchor. It sits under `com.apple/` because the stock /etc/pf.conf only
 * evaluates `nat-anchor "com.apple/*"` / `anchor "com.apple/*"`: a top-level anchor such as
 * `com.bootcast` would load fine and never be consulted. Everything of ours lives here, so
 * `pfctl -a … -F all` removes exactly it.
 */
export const PF_ANCHOR = 'com.apple/bootcast';

/** pf interface names (en0, bridge100, utun3). */
const PF_INTERFACE = /^[A-Za-z][A-Za-z0-9]{0,14}$/;

export function pfAnchorRules(plan: NatPlan): string {
  // "(if)" follows the uplink's address when DHCP renews it.
  return `nat on ${plan.uplink} inet from ${plan.lan.text} to any -> (${plan.uplink})\n`;
}

/** `pfctl -s info` → whether pf is enabled. */
export function parsePfInfo(stdout: string): { enabled: boolean } | undefined {
  const m = /^Status:\s+(Enabled|Disabled)\b/m.exec(stdout);
  return m ? { enabled: m[1] === 'Enabled' } : undefined;
}

/** `pfctl -E` prints "Token : <number>" (on stderr) for the reference it took on pf. */
export function parsePfToken(output: string): string | undefined {
  return /^Token\s*:\s*(\d+)\s*$/m.exec(output)?.[1];
}

/** Interfaces of default routes from `netstat -rn -f inet`, gateway routes before link-scoped ones. */
export function parseNetstatDefaults(stdout: string): string[] {
  const lines = stdout.split('\n');
  const headerAt = lines.findIndex((l) => /^Destination\s+Gateway\s+Flags/.test(l));
  if (headerAt < 0) return [];
  const header = lines[headerAt]!.trim().split(/\s+/);
  const netifAt = header.indexOf('Netif');
  if (netifAt < 0) return [];
  const viaGateway: string[] = [];
  const linkScoped: string[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (!line.trim() || /^Internet6?:/.test(line)) break;
    const cols = line.trim().split(/\s+/);
    if (cols[0] !== 'default' || cols.length <= netifAt) continue;
    const netif = cols[netifAt]!;
    (cols[1]!.startsWith('link#') ? linkScoped : viaGateway).push(netif);
  }
  return [...new Set([...viaGateway, ...linkScoped])];
}

export class MacPfBackend implements NatBackend {
  readonly name = 'pf' as const;

  constructor(private readonly run: CommandRunner) {}

  private async must(cmd: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
    const result = await this.run(cmd, args, input);
    if (result.code === 0) return result;
    const what = describeFailure(cmd, args, result);
    if (looksLikePermissionDenied(result.stderr + result.stdout)) throw new NatError(`${what}. ${MACOS_PRIVILEGE_HINT}`, 'privilege');
    throw new NatError(what, 'failed');
  }

  async probe(): Promise<void> {
    const info = await this.run('pfctl', ['-s', 'info']);
    if (info.code === 127) throw new NatError('`pfctl` was not found (it ships with macOS in /sbin); check PATH', 'unavailable');
    if (info.code !== 0) {
      const what = describeFailure('pfctl', ['-s', 'info'], info);
      if (looksLikePermissionDenied(info.stderr)) throw new NatError(`${what}. ${MACOS_PRIVILEGE_HINT}`, 'privilege');
      throw new NatError(what, 'failed');
    }
    if (!parsePfInfo(info.stdout)) throw new NatError('unexpected `pfctl -s info` output (no "Status:" line)', 'failed');
  }

  async defaultRouteInterfaces(): Promise<string[]> {
    return parseNetstatDefaults((await this.must('netstat', ['-rn', '-f', 'inet'])).stdout);
  }

  async snapshot(): Promise<Record<string, string>> {
    const value = (await this.must('sysctl', ['-n', 'net.inet.ip.forwarding'])).stdout.trim();
    if (!/^[01]$/.test(value)) throw new NatError(`unexpected net.inet.ip.forwarding value "${value}"`, 'failed');
    return { forwarding: value };
  }

  async apply(plan: NatPlan, _restore: Record<string, string>, persist: (restore: Record<string, string>) => Promise<void>): Promise<string[]> {
    checkInterfaceName(plan.uplink, 'uplink interface', PF_INTERFACE);
    checkInterfaceName(plan.lanInterface, 'PXE interface', PF_INTERFACE);
    await this.must('pfctl', ['-a', PF_ANCHOR, '-f', '-'], pfAnchorRules(plan));
    // -E takes a reference on pf (enabling it if off) and returns a token; -X <token> gives it
    // back, so pf ends up enabled or disabled exactly as other users of pf left it.
    const enabled = await this.must('pfctl', ['-E']);
    const token = parsePfToken(enabled.stderr + '\n' + enabled.stdout);
    if (!token) throw new NatError('`pfctl -E` did not print a reference token; cannot guarantee pf is restored later', 'failed');
    await persist({ pfToken: token });
    await this.must('sysctl', ['-w', 'net.inet.ip.forwarding=1']);
    return [`pf anchor ${PF_ANCHOR}: nat on ${plan.uplink} from ${plan.lan.text}`, `pf enable reference ${token}`, 'net.inet.ip.forwarding = 1'];
  }

  async remove(record: NatRecord): Promise<string[]> {
    const removed: string[] = [];
    const before = record.restore.forwarding;
    if (before !== undefined && /^[01]$/.test(before)) {
      const now = (await this.must('sysctl', ['-n', 'net.inet.ip.forwarding'])).stdout.trim();
      if (now !== before) {
        await this.must('sysctl', ['-w', `net.inet.ip.forwarding=${before}`]);
        removed.push(`net.inet.ip.forwarding restored to ${before}`);
      }
    }
    await this.must('pfctl', ['-a', PF_ANCHOR, '-F', 'all']);
    removed.push(`pf anchor ${PF_ANCHOR} flushed`);
    const token = record.restore.pfToken;
    if (token !== undefined && /^\d+$/.test(token)) {
      // After a reboot the token is gone with the reference it stood for: nothing to give back.
      const released = await this.run('pfctl', ['-X', token]);
      if (released.code === 0) removed.push(`pf enable reference ${token} released`);
      else if (looksLikePermissionDenied(released.stderr)) throw new NatError(`${describeFailure('pfctl', ['-X', token], released)}. ${MACOS_PRIVILEGE_HINT}`, 'privilege');
    }
    return removed;
  }
}
