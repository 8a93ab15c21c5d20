import type { CommandRunner } from './command-runner.ts';
import { NatError, WINDOWS_PRIVILEGE_HINT } from './nat-errors.ts';

/**
 * A PowerShell single-quoted literal. PowerShell ends such a string at any of four characters —
 * ' and the typographic U+2018, U+2019, U+201A, U+201B — and each is escaped by doubling it.
 * Escaping only ' would let an interface named "Wi-Fi’; Start-Process calc; ’" run code in an
 * elevated script.
 */
export function psQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/**
 * Every generated script: stop on the first error, refuse early without elevation, and end with
 * exactly one JSON line (ok or error) that the TypeScript side parses.
 */
export function wrapScript(body: string, needsAdmin: boolean): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    'function Out-Result($value) { $value | ConvertTo-Json -Compress -Depth 5 }',
    'try {',
    ...(needsAdmin
      ? [
          '  $principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()',
          '  if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {',
          "    Out-Result @{ ok = $false; kind = 'privilege'; error = 'not elevated' }; exit 5",
          '  }',
        ]
      : []),
    ...body.trimEnd().split('\n').map((l) => `  ${l}`),
    '} catch {',
    "  Out-Result @{ ok = $false; kind = 'failed'; error = $_.Exception.Message; hresult = $_.Exception.HResult }; exit 1",
    '}',
  ].join('\r\n');
}

/** powershell.exe -EncodedCommand takes base64 of UTF-16LE: no quoting of the script on the command line. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function powershellArgs(script: string): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodePowerShell(script)];
}

export interface PsResult {
  ok: boolean;
  kind?: 'privilege' | 'failed';
  error?: string;
  hresult?: number;
  [key: string]: unknown;
}

/** The last JSON line of a script's stdout (PowerShell may print warnings before it). */
export function parsePsResult(stdout: string): PsResult | undefined {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{'));
  const last = lines.at(-1);
  if (!last) return undefined;
  try {
    const value = JSON.parse(last) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as PsResult).ok === 'boolean' ? (value as PsResult) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a generated script; returns its JSON result or throws a NatError with what to do. */
export async function runPowerShell(run: CommandRunner, what: string, body: string, needsAdmin = true): Promise<PsResult> {
  const result = await run('powershell.exe', powershellArgs(wrapScript(body, needsAdmin)));
  if (result.code === 127) throw new NatError('Windows PowerShell (powershell.exe) was not found; it is part of every supported Windows version — check PATH', 'unavailable');
  const parsed = parsePsResult(result.stdout);
  if (!parsed) throw new NatError(`${what}: PowerShell exited with ${result.code} and no result (${(result.stderr || result.stdout).trim().slice(0, 300)})`, 'failed');
  if (parsed.ok) return parsed;
  // E_ACCESSDENIED from a COM call means the same as the explicit elevation check.
  if (parsed.kind === 'privilege' || parsed.hresult === -2147024891) throw new NatError(WINDOWS_PRIVILEGE_HINT, 'privilege');
  throw new NatError(`${what}: ${parsed.error ?? 'failed'}`, 'failed');
}

/** Default-route interfaces, lowest metric first (interface + route metric, as Windows ranks them). */
export const DEFAULT_ROUTES_SCRIPT = [
  "$routes = @(Get-NetRoute -AddressFamily IPv4 -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue |",
  '  Sort-Object { $_.RouteMetric + (Get-NetIPInterface -InterfaceIndex $_.InterfaceIndex -AddressFamily IPv4).InterfaceMetric } |',
  '  ForEach-Object { $_.InterfaceAlias })',
  'Out-Result @{ ok = $true; interfaces = $routes }',
].join('\n');

export function parseDefaultRoutes(result: PsResult): string[] {
  const value = result.interfaces;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return [...new Set(list.filter((v): v is string => typeof v === 'string'))];
}
