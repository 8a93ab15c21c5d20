import { describeFailure, type CommandRunner } from './command-runner.ts';
import type { LinuxFirewall } from './linux-firewall.ts';
import type { NatPlan } from './nat-backend.ts';
import { LINUX_PRIVILEGE_HINT, NatError, looksLikePermissionDenied } from './nat-errors.ts';

/** Bootcast's chains, each reached by one jump from a built-in chain so removal is exact. */
export const IPTABLES_CHAINS = [
  { table: 'nat', builtin: 'POSTROUTING', chain: 'BOOTCAST-POSTROUTING' },
  { table: 'filter', builtin: 'FORWARD', chain: 'BOOTCAST-FORWARD' },
] as const;

/** Rules inside Bootcast's chains for one plan (arguments after `-A CHAIN`). */
export function iptablesRules(plan: NatPlan): { table: string; chain: string; args: string[] }[] {
  const lan = plan.lan.text;
  return [
    { table: 'nat', chain: 'BOOTCAST-POSTROUTING', args: ['-s', lan, '-o', plan.uplink, '-j', 'MASQUERADE'] },
    { table: 'filter', chain: 'BOOTCAST-FORWARD', args: ['-s', lan, '-i', plan.lanInterface, '-o', plan.uplink, '-j', 'ACCEPT'] },
    {
      table: 'filter',
      chain: 'BOOTCAST-FORWARD',
      args: ['-d', lan, '-i', plan.uplink, '-o', plan.lanInterface, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    },
  ];
}

/** Upper bound on duplicate jumps removed (a crash loop could have inserted several). */
const MAX_JUMPS = 16;

/**
 * The fallback where `nft` is missing: dedicated chains jumped to from POSTROUTING/FORWARD
 * (inserted first, so a user's DROP in FORWARD does not pre-empt the PXE subnet's accept).
 * `-w` waits for the xtables lock instead of failing when another tool holds it.
 */
export class IptablesFirewall implements LinuxFirewall {
  readonly name = 'iptables' as const;

  constructor(private readonly run: CommandRunner, private readonly iptables = 'iptables') {}

  private ipt(table: string, ...args: string[]) {
    return this.run(this.iptables, ['-w', '-t', table, ...args]);
  }

  private async must(table: string, ...args: string[]): Promise<void> {
    const result = await this.ipt(table, ...args);
    if (result.code === 0) return;
    const what = describeFailure(this.iptables, ['-w', '-t', table, ...args], result);
    if (looksLikePermissionDenied(result.stderr)) throw new NatError(`${what}. ${LINUX_PRIVILEGE_HINT}`, 'privilege');
    throw new NatError(what, 'failed');
  }

  async probe(): Promise<void> {
    const version = await this.run(this.iptables, ['--version']);
    if (version.code === 127) {
      throw new NatError('neither nftables (`nft`) nor `iptables` is installed; install the nftables package (e.g. `sudo apt install nftables`)', 'unavailable');
    }
    await this.must('nat', '-S', 'POSTROUTING');
  }

  async apply(plan: NatPlan): Promise<string[]> {
    for (const { table, builtin, chain } of IPTABLES_CHAINS) {
      const created = await this.ipt(table, '-N', chain);
      // A chain left by a crashed run is ours: empty it and refill.
      if (created.code !== 0) await this.must(table, '-F', chain);
      for (const rule of iptablesRules(plan).filter((r) => r.chain === chain)) await this.must(table, '-A', chain, ...rule.args);
      const jumped = await this.ipt(table, '-C', builtin, '-j', chain);
      if (jumped.code !== 0) await this.must(table, '-I', builtin, '1', '-j', chain);
    }
    return [
      `iptables -t nat ${IPTABLES_CHAINS[0].chain}: MASQUERADE ${plan.lan.text} out of ${plan.uplink}`,
      `iptables -t filter ${IPTABLES_CHAINS[1].chain}: ACCEPT ${plan.lan.text} ${plan.lanInterface} ↔ ${plan.uplink}`,
    ];
  }

  async remove(): Promise<string[]> {
    const removed: string[] = [];
    for (const { table, builtin, chain } of IPTABLES_CHAINS) {
      for (let i = 0; i < MAX_JUMPS; i++) {
        if ((await this.ipt(table, '-C', builtin, '-j', chain)).code !== 0) break;
        await this.must(table, '-D', builtin, '-j', chain);
        removed.push(`iptables -t ${table}: jump ${builtin} → ${chain} removed`);
      }
      if ((await this.ipt(table, '-S', chain)).code !== 0) continue; // no such chain: nothing of ours here
      await this.must(table, '-F', chain);
      await this.must(table, '-X', chain);
      removed.push(`iptables -t ${table}: chain ${chain} deleted`);
    }
    return removed;
  }
}
