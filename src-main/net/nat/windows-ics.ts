import type { CommandRunner } from './command-runner.ts';
import type { NatBackend, NatPlan } from './nat-backend.ts';
import { NatError } from './nat-errors.ts';
import type { NatRecord } from './nat-record.ts';
import { DEFAULT_ROUTES_SCRIPT, parseDefaultRoutes, psQuote, runPowerShell } from './windows-powershell.ts';
import { stringList } from './windows-netnat.ts';

/** Enumerates connections through the HNetCfg COM object; `$find` returns a connection's sharing configuration by name. */
const ICS_PRELUDE = [
  '$share = New-Object -ComObject HNetCfg.HNetShare',
  'function Get-Sharing($name) {',
  '  foreach ($c in $share.EnumEveryConnection) {',
  '    if ($share.NetConnectionProps.Invoke($c).Name -eq $name) { return $share.INetSharingConfigurationForINetConnection.Invoke($c) }',
  '  }',
  '  throw "no network connection named \'\'$name\'\'"',
  '}',
].join('\n');

export const ICS_PROBE_SCRIPT = [
  '$service = Get-Service SharedAccess -ErrorAction SilentlyContinue',
  '$com = $true',
  'try { $null = New-Object -ComObject HNetCfg.HNetShare } catch { $com = $false }',
  "Out-Result @{ ok = $true; com = $com; service = [bool]$service; startType = if ($service) { [string]$service.StartType } else { '' } }",
].join('\n');

/** Which connections already share (ICS is one public + one private connection machine-wide). */
export const ICS_SNAPSHOT_SCRIPT = [
  ICS_PRELUDE,
  '$shared = @()',
  'foreach ($c in $share.EnumEveryConnection) {',
  '  $cfg = $share.INetSharingConfigurationForINetConnection.Invoke($c)',
  '  if ($cfg.SharingEnabled) { $shared += $share.NetConnectionProps.Invoke($c).Name }',
  '}',
  'Out-Result @{ ok = $true; shared = $shared }',
].join('\n');

export function icsApplyScript(plan: NatPlan): string {
  return [
    ICS_PRELUDE,
    // ICSSHARINGTYPE_PUBLIC = 0 (the internet side), ICSSHARINGTYPE_PRIVATE = 1 (the PXE side).
    `(Get-Sharing ${psQuote(plan.uplink)}).EnableSharing(0)`,
    `(Get-Sharing ${psQuote(plan.lanInterface)}).EnableSharing(1)`,
    'Out-Result @{ ok = $true }',
  ].join('\n');
}

export function icsRemoveScript(record: NatRecord): string {
  return [
    ICS_PRELUDE,
    '$removed = @()',
    `foreach ($name in @(${psQuote(record.lanInterface)}, ${psQuote(record.uplink)})) {`,
    '  try { $cfg = Get-Sharing $name } catch { continue }',
    '  if ($cfg.SharingEnabled) { $cfg.DisableSharing(); $removed += "ICS disabled on $name" }',
    '}',
    'Out-Result @{ ok = $true; removed = $removed }',
  ].join('\n');
}

export const ICS_UNAVAILABLE =
  'Internet Connection Sharing is not available: it needs a desktop edition of Windows (Home, Pro, Enterprise, Education) ' +
  'with the "Internet Connection Sharing (ICS)" service (SharedAccess) not disabled; on Windows Server use WinNAT (Hyper-V feature) instead';

/**
 * Internet Connection Sharing through HNetCfg, the fallback where WinNAT is missing. Windows
 * itself then readdresses the PXE adapter to 192.168.137.1/24 and runs its own DHCP there, so
 * Bootcast should run proxyDHCP on it; that is said in the applied lines shown to the user.
 */
export class WindowsIcsBackend implements NatBackend {
  readonly name = 'ics' as const;

  constructor(private readonly run: CommandRunner) {}

  async probe(): Promise<void> {
    const result = await runPowerShell(this.run, 'checking Internet Connection Sharing', ICS_PROBE_SCRIPT);
    if (result.com !== true || result.service !== true || result.startType === 'Disabled') throw new NatError(ICS_UNAVAILABLE, 'unavailable');
  }

  async defaultRouteInterfaces(): Promise<string[]> {
    return parseDefaultRoutes(await runPowerShell(this.run, 'listing default routes', DEFAULT_ROUTES_SCRIPT, false));
  }

  async snapshot(): Promise<Record<string, string>> {
    const shared = stringList((await runPowerShell(this.run, 'reading Internet Connection Sharing', ICS_SNAPSHOT_SCRIPT)).shared);
    if (shared.length) throw new NatError(`Internet Connection Sharing is already on for ${shared.join(', ')}; Bootcast leaves it alone — turn it off in Network Connections (ncpa.cpl) first, or keep using it`, 'failed');
    return {};
  }

  async apply(plan: NatPlan): Promise<string[]> {
    await runPowerShell(this.run, 'enabling Internet Connection Sharing', icsApplyScript(plan));
    return [
      `ICS: ${plan.uplink} shared (public), ${plan.lanInterface} private`,
      `note: Windows sets ${plan.lanInterface} to 192.168.137.1/24 and answers DHCP on it — use proxyDHCP mode`,
    ];
  }

  async remove(record: NatRecord): Promise<string[]> {
    return stringList((await runPowerShell(this.run, 'disabling Internet Connection Sharing', icsRemoveScript(record))).removed);
  }
}
