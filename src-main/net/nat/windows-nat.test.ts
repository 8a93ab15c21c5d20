import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingRunner, type RecordedCall } from '../../../test/support/fake-command-runner.ts';
import type { CommandResult } from './command-runner.ts';
import { parseIpv4Cidr } from './ipv4-cidr.ts';
import { createNatController } from './nat-platform.ts';
import type { NatRecord } from './nat-record.ts';
import { ICS_UNAVAILABLE, icsApplyScript, icsRemoveScript } from './windows-ics.ts';
import { netnatApplyScript, netnatRemoveScript } from './windows-netnat.ts';
import { encodePowerShell, parsePsResult, powershellArgs, psQuote, wrapScript } from './windows-powershell.ts';

const plan = { lanInterface: "Ethernet 2 (PXE)", lan: parseIpv4Cidr('198.18.0.0/24'), uplink: 'Wi-Fi' };

/** What powershell.exe was asked to run, decoded from -EncodedCommand. */
function scriptOf(call: RecordedCall): string {
  expect(call.cmd).toBe('powershell.exe');
  expect(call.args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
  return Buffer.from(call.args[5]!, 'base64').toString('utf16le');
}

/**
 * A pretend Windows answering the generated scripts the way they print (ConvertTo-Json
 * -Compress of a hashtable; key order as PowerShell 5.1 emits hashtables is not stable, so
 * the parser must not depend on it).
 */
function fakeWindows(options: { admin?: boolean; netnat?: boolean; ics?: boolean; otherNat?: string; icsShared?: string[]; failNewNetNat?: boolean } = {}) {
  const win = {
    nat: false,
    forwarding: { [plan.lanInterface]: 'Disabled', [plan.uplink]: 'Disabled' } as Record<string, string>,
    shared: [...(options.icsShared ?? [])],
  };
  const ok = (value: Record<string, unknown>): Partial<CommandResult> => ({ stdout: `${JSON.stringify({ ...value, ok: true })}\r\n` });
  const handler = (call: RecordedCall): Partial<CommandResult> => {
    const script = scriptOf(call);
    const admin = options.admin ?? true;
    if (script.includes('IsInRole') && !admin) return { code: 5, stdout: '{"error":"not elevated","ok":false,"kind":"privilege"}\r\n' };
    if (script.includes("DestinationPrefix '0.0.0.0/0'")) return ok({ interfaces: ['Wi-Fi'] });
    if (script.includes('Get-Command New-NetNat')) return ok({ netnat: options.netnat ?? true });
    if (script.includes('Get-Service SharedAccess')) return ok({ com: options.ics ?? true, service: options.ics ?? true, startType: 'Manual' });
    if (script.includes('$forwarding = @{}')) return ok({ forwarding: { ...win.forwarding }, otherNats: options.otherNat ? [options.otherNat] : [] });
    if (script.includes('New-NetNat -Name')) {
      if (options.failNewNetNat) {
        win.forwarding[plan.lanInterface] = 'Enabled'; // Set-NetIPInterface ran before New-NetNat failed
        return { code: 1, stdout: '{"hresult":-2146233087,"kind":"failed","error":"The parameter is incorrect.","ok":false}\r\n' };
      }
      win.nat = true;
      for (const k of Object.keys(win.forwarding)) win.forwarding[k] = 'Enabled';
      return ok({});
    }
    if (script.includes('Remove-NetNat') && script.includes('$removed')) {
      const removed: string[] = [];
      if (win.nat) removed.push('NetNat Bootcast removed');
      win.nat = false;
      for (const m of script.matchAll(/Set-NetIPInterface -InterfaceAlias '((?:[^']|'')+)' -AddressFamily IPv4 -Forwarding (\w+)/g)) {
        const alias = m[1]!.replace(/''/g, "'");
        if (win.forwarding[alias] !== m[2]) removed.push(`forwarding on ${alias} restored to ${m[2]}`);
        win.forwarding[alias] = m[2]!;
      }
      return ok({ removed });
    }
    if (script.includes('$shared = @()')) return ok({ shared: win.shared });
    if (script.includes('.EnableSharing(0)')) {
      win.shared.push(plan.uplink, plan.lanInterface);
      return ok({});
    }
    if (script.includes('DisableSharing()')) {
      const removed = win.shared.map((n) => `ICS disabled on ${n}`);
      win.shared = [];
      return ok({ removed });
    }
    throw new Error(`unexpected script:\n${script}`);
  };
  return { win, ...recordingRunner(handler) };
}

describe('Windows PowerShell plumbing', () => {
  it('quotes names for single-quoted literals, doubling embedded quotes', () => {
    expect(psQuote("Bob's LAN")).toBe("'Bob''s LAN'");
  });

  it('escapes the typographic quotes PowerShell also ends a literal at, so a name stays one string', () => {
    const hostile = 'Wi-Fi\u2019; Start-Process calc; \u2018x\u201a\u201b';
    const quoted = psQuote(hostile);
    expect(quoted).toBe("'Wi-Fi\u2019\u2019; Start-Process calc; \u2018\u2018x\u201a\u201a\u201b\u201b'");
    // Read it back the way PowerShell's tokenizer does: a quote character ends the literal unless doubled.
    const QUOTES = "'\u2018\u2019\u201a\u201b";
    let i = 1;
    let value = '';
    for (; i < quoted.length; i++) {
      const c = quoted[i]!;
      if (QUOTES.includes(c)) {
        if (i + 1 < quoted.length && QUOTES.includes(quoted[i + 1]!)) {
          value += c;
          i++;
          continue;
        }
        break;
      }
      value += c;
    }
    expect(i).toBe(quoted.length - 1);
    expect(value).toBe(hostile);
  });

  it('passes the script as base64 UTF-16LE so nothing needs command-line quoting', () => {
    const script = wrapScript("Out-Result @{ ok = $true; name = 'Wi-Fi' }", true);
    expect(powershellArgs(script).at(-1)).toBe(encodePowerShell(script));
    expect(Buffer.from(encodePowerShell(script), 'base64').toString('utf16le')).toBe(script);
    expect(script).toMatch(/IsInRole\(\[Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
    expect(script.startsWith("$ErrorActionPreference = 'Stop'")).toBe(true);
  });

  it('takes the last JSON line as the result and ignores warnings before it', () => {
    expect(parsePsResult('WARNING: something\r\n{"removed":["x"],"ok":true}\r\n')).toEqual({ removed: ['x'], ok: true });
    expect(parsePsResult('no json here')).toBeUndefined();
    expect(parsePsResult('{"ok":"yes"}')).toBeUndefined();
    expect(parsePsResult('{broken')).toBeUndefined();
  });
});

describe('Windows scripts', () => {
  it('creates a named WinNAT for the PXE subnet after enabling forwarding on both interfaces', () => {
    expect(netnatApplyScript(plan).split('\n')).toEqual([
      "Get-NetNat -Name 'Bootcast' -ErrorAction SilentlyContinue | Remove-NetNat -Confirm:$false",
      "Set-NetIPInterface -InterfaceAlias 'Ethernet 2 (PXE)' -AddressFamily IPv4 -Forwarding Enabled",
      "Set-NetIPInterface -InterfaceAlias 'Wi-Fi' -AddressFamily IPv4 -Forwarding Enabled",
      "New-NetNat -Name 'Bootcast' -InternalIPInterfaceAddressPrefix '198.18.0.0/24' | Out-Null",
      'Out-Result @{ ok = $true }',
    ]);
  });

  it('restores only the recorded forwarding values and removes only the Bootcast NetNat', () => {
    const record = { restore: { 'forwarding:Wi-Fi': 'Enabled', 'forwarding:Ethernet 2 (PXE)': 'Disabled', 'forwarding:evil': "x'; Remove-NetNat" } } as unknown as NatRecord;
    const script = netnatRemoveScript(record);
    expect(script).toContain("Get-NetNat -Name 'Bootcast' -ErrorAction SilentlyContinue");
    expect(script).toContain("Set-NetIPInterface -InterfaceAlias 'Wi-Fi' -AddressFamily IPv4 -Forwarding Enabled");
    expect(script).toContain("Set-NetIPInterface -InterfaceAlias 'Ethernet 2 (PXE)' -AddressFamily IPv4 -Forwarding Disabled");
    expect(script).not.toContain('evil');
  });

  it('shares the uplink as public (0) and the PXE interface as private (1) through HNetCfg', () => {
    const script = icsApplyScript(plan);
    expect(script).toContain('New-Object -ComObject HNetCfg.HNetShare');
    expect(script).toContain("(Get-Sharing 'Wi-Fi').EnableSharing(0)");
    expect(script).toContain("(Get-Sharing 'Ethernet 2 (PXE)').EnableSharing(1)");
    expect(icsRemoveScript({ lanInterface: plan.lanInterface, uplink: 'Wi-Fi' } as NatRecord)).toContain("foreach ($name in @('Ethernet 2 (PXE)', 'Wi-Fi'))");
  });
});

describe('Windows backends through the controller', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'bootcast-win-'));

  it('prefers WinNAT, records forwarding first, and restores it on disable', async () => {
    const { run, win } = fakeWindows();
    const nat = createNatController({ dataDir: dir(), platform: 'win32', run });
    const on = await nat.enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.1/24' });
    expect(on.error).toBeUndefined();
    expect(on).toMatchObject({ enabled: true, uplink: 'Wi-Fi' });
    expect(on.applied[0]).toMatch(/WinNAT Bootcast: 198\.18\.0\.0\/24/);
    expect(win.nat).toBe(true);
    const off = await nat.disable();
    expect(off.enabled).toBe(false);
    expect(win).toMatchObject({ nat: false, forwarding: { [plan.lanInterface]: 'Disabled', 'Wi-Fi': 'Disabled' } });
  });

  it('rolls back forwarding when New-NetNat fails halfway, and reports why', async () => {
    const { run, win } = fakeWindows({ failNewNetNat: true });
    const dataDir = dir();
    const state = await createNatController({ dataDir, platform: 'win32', run }).enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' });
    expect(state.enabled).toBe(false);
    expect(state.error).toMatch(/The parameter is incorrect/);
    expect(win.forwarding[plan.lanInterface]).toBe('Disabled');
    expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
  });

  it('refuses to disturb another WinNAT instance', async () => {
    const { run, win } = fakeWindows({ otherNat: 'DockerNAT' });
    const state = await createNatController({ dataDir: dir(), platform: 'win32', run }).enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' });
    expect(state.error).toMatch(/DockerNAT/);
    expect(win.nat).toBe(false);
  });

  it('falls back to ICS where WinNAT is missing, with the readdressing caveat in the applied lines', async () => {
    const { run, win } = fakeWindows({ netnat: false });
    const nat = createNatController({ dataDir: dir(), platform: 'win32', run });
    const on = await nat.enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' });
    expect(on.error).toBeUndefined();
    expect(on.applied.join('\n')).toMatch(/192\.168\.137\.1\/24.*proxyDHCP/);
    expect(win.shared).toEqual(['Wi-Fi', plan.lanInterface]);
    await nat.disable();
    expect(win.shared).toEqual([]);
  });

  it('leaves a user-enabled ICS alone', async () => {
    const { run, win } = fakeWindows({ netnat: false, icsShared: ['Ethernet'] });
    const state = await createNatController({ dataDir: dir(), platform: 'win32', run }).enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' });
    expect(state.error).toMatch(/already on for Ethernet/);
    expect(win.shared).toEqual(['Ethernet']);
  });

  it('names the Windows editions and features needed when neither WinNAT nor ICS exists', async () => {
    const { run } = fakeWindows({ netnat: false, ics: false });
    const nat = createNatController({ dataDir: dir(), platform: 'win32', run });
    const state = await nat.refresh('Ethernet 2 (PXE)');
    expect(state.supported).toBe(false);
    expect(state.unavailableReason).toBe(ICS_UNAVAILABLE);
    expect((await nat.enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' })).error).toMatch(/Home, Pro, Enterprise/);
  });

  it('without elevation says to run as administrator', async () => {
    const { run, win } = fakeWindows({ admin: false });
    const state = await createNatController({ dataDir: dir(), platform: 'win32', run }).enable({ lanInterface: plan.lanInterface, lanCidr: '198.18.0.0/24', uplink: 'Wi-Fi' });
    expect(state.enabled).toBe(false);
    expect(state.error).toMatch(/Run as administrator/);
    expect(win.nat).toBe(false);
  });
});
