import { describeFailure, type CommandRunner } from './command-runner.ts';
import { procIpForward, type IpForwardSwitch } from './linux-ip-forward.ts';
import type { LinuxFirewall } from './linux-firewall.ts';
import { IptablesFirewall } from './linux-iptables.ts';
import { NftFirewall } from './linux-nft.ts';
import { checkInterfaceName, type NatBackend, type NatPlan } from './nat-backend.ts';
import { NatError } from './nat-errors.ts';
import type { NatRecord } from './nat-record.ts';

/** Interfaces of IPv4 default routes from `ip -j -4 route show default`, lowest metric first. */
export function parseIpRouteDefaults(stdout: string): string[] {
  let routes: unknown;
  try {
    routes = JSON.parse(stdout || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(routes)) return [];
  const found = routes
    .filter((r): r is { dev: string; metric?: number } => typeof r === 'object' && r !== null && typeof (r as { dev?: unknown }).dev === 'string')
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0))
    .map((r) => r.dev);
  return [...new Set(found)];
}

/**
 * Linux sharing = one firewall (nftables table or iptables chains) + net.ipv4.ip_forward.
 * Order matters: rules first, forwarding last on the way in; forwarding restored first on the
 * way out, so the PXE subnet is never forwarded without its masquerade.
 */
export class LinuxNatBackend implements NatBackend {
  readonly name: LinuxFirewall['name'];

  constructor(
    private readonly firewall: LinuxFirewall,
    private readonly run: CommandRunner,
    private readonly ipForward: IpForwardSwitch = procIpForward,
  ) {
    this.name = firewall.name;
  }

  probe(): Promise<void> {
    return this.firewall.probe();
  }

  async defaultRouteInterfaces(): Promise<string[]> {
    const result = await this.run('ip', ['-j', '-4', 'route', 'show', 'default']);
    if (result.code !== 0) throw new NatError(`cannot list default routes: ${describeFailure('ip', ['-j', '-4', 'route', 'show', 'default'], result)}`, 'failed');
    return parseIpRouteDefaults(result.stdout);
  }

  async snapshot(): Promise<Record<string, string>> {
    return { ipForward: await this.ipForward.read() };
  }

  async apply(plan: NatPlan): Promise<string[]> {
    checkInterfaceName(plan.lanInterface, 'PXE interface');
    checkInterfaceName(plan.uplink, 'uplink interface');
    const applied = await this.firewall.apply(plan);
    await this.ipForward.write('1');
    return [...applied, 'net.ipv4.ip_forward = 1'];
  }

  async remove(record: NatRecord): Promise<string[]> {
    const removed: string[] = [];
    const before = record.restore.ipForward;
    if (before !== undefined && /^[01]$/.test(before)) {
      if ((await this.ipForward.read()) !== before) {
        await this.ipForward.write(before);
        removed.push(`net.ipv4.ip_forward restored to ${before}`);
      }
    }
    removed.push(...(await this.firewall.remove()));
    return removed;
  }
}

/** Backends in order of preference: nftables, then the iptables fallback. */
export function linuxBackends(run: CommandRunner, ipForward: IpForwardSwitch = procIpForward): NatBackend[] {
  return [new LinuxNatBackend(new NftFirewall(run), run, ipForward), new LinuxNatBackend(new IptablesFirewall(run), run, ipForward)];
}
