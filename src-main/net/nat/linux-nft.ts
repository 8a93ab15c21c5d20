import { describeFailure, type CommandRunner } from './command-runner.ts';
import type { LinuxFirewall } from './linux-firewall.ts';
import type { NatPlan } from './nat-backend.ts';
import { LINUX_PRIVILEGE_HINT, NatError, looksLikePermissionDenied } from './nat-errors.ts';

/** Bootcast's own table: everything it adds lives here, so removal is one `delete table`. */
export const NFT_TABLE = 'bootcast';

/**
 * The ruleset for one plan. Family `inet` needs kernel ≥ 5.2 for nat chains; older kernels get
 * the same table in family `ip`. Chains have policy accept so they never drop anything the
 * user's own tables allow; they only add the masquerade and the forward accepts for the PXE
 * subnet (useful where another chain's policy is accept; a drop verdict elsewhere still wins,
 * that is how nftables base chains combine).
 */
export function nftRuleset(plan: NatPlan, family: 'inet' | 'ip'): string {
  const lan = plan.lan.text;
  const lanIf = JSON.stringify(plan.lanInterface);
  const upIf = JSON.stringify(plan.uplink);
  // "table; delete table; table {…}" in one transaction replaces a stale table atomically and
  // works on nft versions without `destroy`.
  return [
    `table ${family} ${NFT_TABLE}`,
    `delete table ${family} ${NFT_TABLE}`,
    `table ${family} ${NFT_TABLE} {`,
    `\tchain postrouting {`,
    `\t\ttype nat hook postrouting priority 100; policy accept;`,
    `\t\tip saddr ${lan} oifname ${upIf} masquerade`,
    `\t}`,
    `\tchain forward {`,
    `\t\ttype filter hook forward priority 0; policy accept;`,
    `\t\tip saddr ${lan} iifname ${lanIf} oifname ${upIf} accept`,
    `\t\tip daddr ${lan} iifname ${upIf} oifname ${lanIf} ct state established,related accept`,
    `\t}`,
    `}`,
    '',
  ].join('\n');
}

/** Families in which a table named `bootcast` exists, from `nft list tables` output. */
export function parseNftTables(stdout: string): { family: string; name: string }[] {
  const tables: { family: string; name: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^table\s+(\S+)\s+(\S+)\s*$/.exec(line.trim());
    if (m) tables.push({ family: m[1]!, name: m[2]! });
  }
  return tables;
}

/**
 * Other tables' forward base chains whose policy is drop (Docker, ufw, firewalld), from
 * `nft -j list chains`. Their drop still applies to forwarded PXE traffic after our accept, so
 * the user is warned by name rather than left wondering.
 */
export function parseForwardDropChains(json: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return [];
  }
  const items = (doc as { nftables?: unknown }).nftables;
  if (!Array.isArray(items)) return [];
  const found: string[] = [];
  for (const item of items) {
    const chain = (item as { chain?: { family?: string; table?: string; name?: string; hook?: string; policy?: string } }).chain;
    if (chain?.hook === 'forward' && chain.policy === 'drop' && chain.table !== NFT_TABLE) found.push(`${chain.family} ${chain.table} ${chain.name}`);
  }
  return found;
}

export class NftFirewall implements LinuxFirewall {
  readonly name = 'nft' as const;

  constructor(private readonly run: CommandRunner, private readonly nft = 'nft') {}

  async probe(): Promise<void> {
    const version = await this.run(this.nft, ['--version']);
    if (version.code === 127) throw new NatError('nftables (`nft`) is not installed', 'unavailable');
    const list = await this.run(this.nft, ['list', 'tables']);
    if (list.code !== 0) {
      if (looksLikePermissionDenied(list.stderr)) throw new NatError(`nft refused to list tables (${list.stderr.trim()}). ${LINUX_PRIVILEGE_HINT}`, 'privilege');
      throw new NatError(describeFailure(this.nft, ['list', 'tables'], list), 'failed');
    }
  }

  async apply(plan: NatPlan): Promise<string[]> {
    let failure = '';
    for (const family of ['inet', 'ip'] as const) {
      const result = await this.run(this.nft, ['-f', '-'], nftRuleset(plan, family));
      if (result.code === 0) {
        const chains = await this.run(this.nft, ['-j', 'list', 'chains']);
        const drops = chains.code === 0 ? parseForwardDropChains(chains.stdout) : [];
        return [
          `nft table ${family} ${NFT_TABLE}: masquerade ${plan.lan.text} out of ${plan.uplink}`,
          `nft table ${family} ${NFT_TABLE}: forward accept ${plan.lan.text} ${plan.lanInterface} ↔ ${plan.uplink}`,
          ...drops.map(
            (c) => `warning: forward chain "${c}" of another firewall (Docker, ufw, firewalld…) drops by default and still applies: allow ${plan.lan.text} between ${plan.lanInterface} and ${plan.uplink} there, or clients get no internet`,
          ),
        ];
      }
      if (looksLikePermissionDenied(result.stderr)) throw new NatError(`nft refused the ruleset (${result.stderr.trim()}). ${LINUX_PRIVILEGE_HINT}`, 'privilege');
      failure = describeFailure(this.nft, ['-f', '-'], result);
    }
    throw new NatError(`could not load Bootcast's nftables table: ${failure}`, 'failed');
  }

  async remove(): Promise<string[]> {
    const list = await this.run(this.nft, ['list', 'tables']);
    if (list.code !== 0) throw new NatError(`cannot list nftables tables to remove Bootcast's: ${describeFailure(this.nft, ['list', 'tables'], list)}`, looksLikePermissionDenied(list.stderr) ? 'privilege' : 'failed');
    const removed: string[] = [];
    for (const { family, name } of parseNftTables(list.stdout)) {
      if (name !== NFT_TABLE) continue;
      const del = await this.run(this.nft, ['delete', 'table', family, NFT_TABLE]);
      if (del.code !== 0) throw new NatError(`cannot delete nft table ${family} ${NFT_TABLE}: ${describeFailure(this.nft, ['delete', 'table', family, NFT_TABLE], del)}`, 'failed');
      removed.push(`nft table ${family} ${NFT_TABLE} deleted`);
    }
    return removed;
  }
}
