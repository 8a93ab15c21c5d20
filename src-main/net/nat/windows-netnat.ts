import type { CommandRunner } from './command-runner.ts';
import type { NatBackend, NatPlan } from './nat-backend.ts';
import { NatError } from './nat-errors.ts';
import type { NatRecord } from './nat-record.ts';
import { DEFAULT_ROUTES_SCRIPT, parseDefaultRoutes, psQuote, runPowerShell } from './windows-powershell.ts';

/** Bootcast's WinNAT instance: named, so removal never touches another NetNat (Hyper-V, Docker). */
export const NETNAT_NAME = 'Bootcast';

export const NETNAT_PROBE_SCRIPT = [
  "$cmd = Get-Command New-NetNat -ErrorAction SilentlyContinue",
  "Out-Result @{ ok = $true; netnat = [bool]$cmd }",
].join('\n');

/** Forwarding state of both interfaces, read before anything changes. */
export function netnatSnapshotScript(plan: NatPlan): string {
  return [
    `$names = @(${psQuote(plan.lanInterface)}, ${psQuote(plan.uplink)})`,
    '$forwarding = @{}',
    'foreach ($n in $names) { $forwarding[$n] = [string](Get-NetIPInterface -InterfaceAlias $n -AddressFamily IPv4).Forwarding }',
    '$others = @(Get-NetNat -ErrorAction SilentlyContinue | Where-Object { $_.Name -ne ' + psQuote(NETNAT_NAME) + ' } | ForEach-Object { $_.Name })',
    'Out-Result @{ ok = $true; forwarding = $forwarding; otherNats = $others }',
  ].join('\n');
}

export function netnatApplyScript(plan: NatPlan): string {
  return [
    `Get-NetNat -Name ${psQuote(NETNAT_NAME)} -ErrorAction SilentlyContinue | Remove-NetNat -Confirm:$false`,
    `Set-NetIPInterface -InterfaceAlias ${psQuote(plan.lanInterface)} -AddressFamily IPv4 -Forwarding Enabled`,
    `Set-NetIPInterface -InterfaceAlias ${psQuote(plan.uplink)} -AddressFamily IPv4 -Forwarding Enabled`,
    `New-NetNat -Name ${psQuote(NETNAT_NAME)} -InternalIPInterfaceAddressPrefix ${psQuote(plan.lan.text)} | Out-Null`,
    'Out-Result @{ ok = $true }',
  ].join('\n');
}

/** Removes our NetNat and puts back each interface's forwarding as recorded. */
export function netnatRemoveScript(record: NatRecord): string {
  const lines = [
    '$removed = @()',
    `$nat = Get-NetNat -Name ${psQuote(NETNAT_NAME)} -ErrorAction SilentlyContinue`,
    `if ($nat) { $nat | Remove-NetNat -Confirm:$false; $removed += ${psQuote(`NetNat ${NETNAT_NAME} removed`)} }`,
  ];
  for (const [key, value] of Object.entries(record.restore)) {
    const m = /^forwarding:(.+)$/.exec(key);
    if (!m || (value !== 'Enabled' && value !== 'Disabled')) continue;
    const alias = psQuote(m[1]!);
    lines.push(
      `$if = Get-NetIPInterface -InterfaceAlias ${alias} -AddressFamily IPv4 -ErrorAction SilentlyContinue`,
      `if ($if -and [string]$if.Forwarding -ne '${value}') { Set-NetIPInterface -InterfaceAlias ${alias} -AddressFamily IPv4 -Forwarding ${value}; $removed += ${psQuote(`forwarding on ${m[1]} restored to ${value}`)} }`,
    );
  }
  lines.push('Out-Result @{ ok = $true; removed = $removed }');
  return lines.join('\n');
}

export function stringList(value: unknown): string[] {
  return (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter((v): v is string => typeof v === 'string');
}

/**
 * WinNAT (New-NetNat): Windows 10 1607+ / Server 2016+ with the NetNat module (shipped with the
 * Hyper-V / Containers platform). Unlike ICS it leaves the PXE interface's address and DHCP alone.
 */
export class WindowsNetNatBackend implements NatBackend {
  readonly name = 'netnat' as const;

  constructor(private readonly run: CommandRunner) {}

  async probe(): Promise<void> {
    const result = await runPowerShell(this.run, 'checking for New-NetNat', NETNAT_PROBE_SCRIPT);
    if (result.netnat !== true) {
      throw new NatError('WinNAT (New-NetNat) is not available: it needs Windows 10 1607+/Windows 11 Pro, Enterprise or Education, or Windows Server 2016+, with the Hyper-V or Containers feature enabled', 'unavailable');
    }
  }

  async defaultRouteInterfaces(): Promise<string[]> {
    return parseDefaultRoutes(await runPowerShell(this.run, 'listing default routes', DEFAULT_ROUTES_SCRIPT, false));
  }

  async snapshot(plan: NatPlan): Promise<Record<string, string>> {
    const result = await runPowerShell(this.run, 'reading interface forwarding', netnatSnapshotScript(plan));
    const others = stringList(result.otherNats);
    // WinNAT supports a single NetNat on most builds: adding ours would fail or disturb theirs.
    if (others.length) throw new NatError(`another WinNAT instance (${others.join(', ')}) already exists and Windows allows only one; remove it (Remove-NetNat) or share with ICS instead`, 'failed');
    const restore: Record<string, string> = {};
    const forwarding = (result.forwarding ?? {}) as Record<string, unknown>;
    for (const [alias, value] of Object.entries(forwarding)) if (value === 'Enabled' || value === 'Disabled') restore[`forwarding:${alias}`] = value;
    return restore;
  }

  async apply(plan: NatPlan): Promise<string[]> {
    await runPowerShell(this.run, 'creating the WinNAT instance', netnatApplyScript(plan));
    return [`WinNAT ${NETNAT_NAME}: ${plan.lan.text} translated out of the default route`, `IPv4 forwarding enabled on ${plan.lanInterface} and ${plan.uplink}`];
  }

  async remove(record: NatRecord): Promise<string[]> {
    return stringList((await runPowerShell(this.run, 'removing the WinNAT instance', netnatRemoveScript(record))).removed);
  }
}
