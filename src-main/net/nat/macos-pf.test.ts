import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingRunner, type RecordedCall } from '../../../test/support/fake-command-runner.ts';
import type { CommandResult } from './command-runner.ts';
import { parseIpv4Cidr } from './ipv4-cidr.ts';
import { MacPfBackend, PF_ANCHOR, parseNetstatDefaults, parsePfInfo, parsePfToken, pfAnchorRules } from './macos-pf.ts';
import { createNatController } from './nat-platform.ts';

// Output formats of macOS 13/14 tools. There is no Mac in CI: these are transcriptions of the
// documented/observed formats (pfctl(8), netstat(1)), including the ALTQ noise pfctl prints.
const PFCTL_INFO_DISABLED = `No ALTQ support in kernel
ALTQ related functions disabled
Status: Disabled                              Debug: Urgent

State Table                          Total             Rate
  current entries                        0               
  searches                               0            0.0/s
`;
const PFCTL_INFO_ENABLED = PFCTL_INFO_DISABLED.replace('Status: Disabled                        ', 'Status: Enabled for 0 days 01:02:03');
const PFCTL_ENABLE_STDERR = `No ALTQ support in kernel
ALTQ related functions disabled
pf enabled
Token : 13835058055282163983
`;
const PFCTL_NOT_ROOT = 'pfctl: /dev/pf: Permission denied\n';
const NETSTAT_RN = `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
default            link#17            UCSIg           bridge100      !
default            192.168.1.1        UGScg                 en0       
127                127.0.0.1          UCS                   lo0       
192.168.1          link#11            UCS                   en0      !
198.18.0/24        link#17            UC              bridge100      !

Internet6:
Destination                             Gateway                                 Flags               Netif Expire
default                                 fe80::%utun0                            UGcIg               utun0       
`;
const NETSTAT_RN_OLD = `Routing tables

Internet:
Destination        Gateway            Flags        Refs      Use   Netif Expire
default            10.0.0.1           UGSc           12        0     en1
`;

/** A pretend Mac: pf refcount, anchor contents and ip.forwarding, driven by the commands it receives. */
function fakeMac(options: { root?: boolean; forwarding?: string; failOn?: (c: RecordedCall) => boolean } = {}) {
  const mac = { forwarding: options.forwarding ?? '0', refs: new Set<string>(), anchor: '', nextToken: 13835058055282163983n };
  const reply = (c: RecordedCall): Partial<CommandResult> | undefined => {
    if (options.failOn?.(c)) return { code: 1, stderr: `${c.cmd}: simulated failure\n` };
    const joined = [c.cmd, ...c.args].join(' ');
    if (c.cmd === 'netstat') return { stdout: NETSTAT_RN };
    if (joined === 'sysctl -n net.inet.ip.forwarding') return { stdout: `${mac.forwarding}\n` };
    if (c.cmd === 'pfctl' && !options.root) return { code: 1, stderr: PFCTL_NOT_ROOT };
    if (c.cmd === 'sysctl' && c.args[0] === '-w' && !options.root) return { code: 1, stderr: 'sysctl: net.inet.ip.forwarding=1: Operation not permitted\n' };
    if (c.cmd === 'sysctl' && c.args[0] === '-w') {
      const value = c.args[1]!.split('=')[1]!;
      const old = mac.forwarding;
      mac.forwarding = value;
      return { stdout: `net.inet.ip.forwarding: ${old} -> ${value}\n` };
    }
    if (joined === 'pfctl -s info') return { stdout: mac.refs.size ? PFCTL_INFO_ENABLED : PFCTL_INFO_DISABLED, stderr: 'No ALTQ support in kernel\n' };
    if (joined === `pfctl -a ${PF_ANCHOR} -f -`) {
      mac.anchor = c.input ?? '';
      return { stderr: 'No ALTQ support in kernel\nALTQ related functions disabled\n' };
    }
    if (joined === `pfctl -a ${PF_ANCHOR} -F all`) {
      mac.anchor = '';
      return { stderr: 'rules cleared\nnat cleared\n0 tables deleted.\n' };
    }
    if (joined === 'pfctl -E') {
      const token = String(mac.nextToken++);
      mac.refs.add(token);
      return { stderr: PFCTL_ENABLE_STDERR.replace(/Token : \d+/, `Token : ${token}`) };
    }
    if (c.cmd === 'pfctl' && c.args[0] === '-X') {
      if (!mac.refs.delete(c.args[1]!)) return { code: 1, stderr: 'pfctl: DIOCSTOPREF: Invalid argument\n' };
      return { stderr: mac.refs.size ? 'pf not disabled\n' : 'pf disabled\n' };
    }
    return undefined;
  };
  return { mac, ...recordingRunner(reply) };
}

const plan = { lanInterface: 'bridge100', lan: parseIpv4Cidr('198.18.0.1/24'), uplink: 'en0' };

describe('macOS pf output parsing', () => {
  it('reads pf status from pfctl -s info', () => {
    expect(parsePfInfo(PFCTL_INFO_DISABLED)).toEqual({ enabled: false });
    expect(parsePfInfo(PFCTL_INFO_ENABLED)).toEqual({ enabled: true });
    expect(parsePfInfo('garbage')).toBeUndefined();
  });

  it('finds the enable token pfctl -E prints', () => {
    expect(parsePfToken(PFCTL_ENABLE_STDERR)).toBe('13835058055282163983');
    expect(parsePfToken('pf enabled\n')).toBeUndefined();
  });

  it('lists default-route interfaces from netstat, gateway routes before link-scoped ones, IPv4 only', () => {
    expect(parseNetstatDefaults(NETSTAT_RN)).toEqual(['en0', 'bridge100']);
    expect(parseNetstatDefaults(NETSTAT_RN_OLD)).toEqual(['en1']);
    expect(parseNetstatDefaults('')).toEqual([]);
  });

  it('generates one nat rule for the PXE subnet out of the uplink, following its address', () => {
    expect(pfAnchorRules(plan)).toBe('nat on en0 inet from 198.18.0.0/24 to any -> (en0)\n');
  });
});

describe('macOS pf backend through the controller', () => {
  it('loads the anchor, takes a pf reference, sets forwarding, and undoes all of it on disable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bootcast-pf-'));
    const { run, calls, mac } = fakeMac({ root: true });
    const nat = createNatController({ dataDir, platform: 'darwin', run });
    const logs: string[] = [];
    nat.events.on('log', (l) => logs.push(l.message));

    const on = await nat.enable({ lanInterface: 'bridge100', lanCidr: '198.18.0.1/24' });
    expect(on.error).toBeUndefined();
    expect(on).toMatchObject({ enabled: true, uplink: 'en0', uplinkCandidates: ['en0'] });
    expect(mac).toMatchObject({ forwarding: '1', anchor: 'nat on en0 inet from 198.18.0.0/24 to any -> (en0)\n' });
    expect(mac.refs.size).toBe(1);
    const mutating = calls.filter((c) => c.args[0] === '-w' || (c.cmd === 'pfctl' && c.args[0] !== '-s')).map((c) => [c.cmd, ...c.args].join(' '));
    expect(mutating).toEqual([`pfctl -a ${PF_ANCHOR} -f -`, 'pfctl -E', 'sysctl -w net.inet.ip.forwarding=1']);
    const record = JSON.parse(readFileSync(join(dataDir, 'nat-state.json'), 'utf8'));
    expect(record).toMatchObject({ backend: 'pf', phase: 'applied', restore: { forwarding: '0', pfToken: '13835058055282163983' } });

    const off = await nat.disable();
    expect(off).toMatchObject({ enabled: false, applied: [] });
    expect(mac).toMatchObject({ forwarding: '0', anchor: '' });
    expect(mac.refs.size).toBe(0);
    expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
    expect(logs.some((l) => /internet sharing on/.test(l))).toBe(true);
    expect(logs.some((l) => /released/.test(l) && /restored to 0/.test(l))).toBe(true);
  });

  it('keeps forwarding on at disable when it was already on before', async () => {
    const { run, mac } = fakeMac({ root: true, forwarding: '1' });
    const nat = createNatController({ dataDir: mkdtempSync(join(tmpdir(), 'bootcast-pf-')), platform: 'darwin', run });
    await nat.enable({ lanInterface: 'bridge100', lanCidr: '198.18.0.0/24', uplink: 'en0' });
    await nat.disable();
    expect(mac.forwarding).toBe('1');
  });

  it('without root says to use sudo, and runs nothing that changes the system', async () => {
    const { run, calls, mac } = fakeMac({ root: false });
    const dataDir = mkdtempSync(join(tmpdir(), 'bootcast-pf-'));
    const nat = createNatController({ dataDir, platform: 'darwin', run });
    const state = await nat.enable({ lanInterface: 'bridge100', lanCidr: '198.18.0.0/24' });
    expect(state.enabled).toBe(false);
    expect(state.error).toMatch(/sudo/);
    expect(state.unavailableReason).toBe(state.error);
    expect(calls.filter((c) => c.args.includes('-w') || (c.cmd === 'pfctl' && c.args.some((a) => ['-E', '-f', '-F', '-X'].includes(a))))).toEqual([]);
    expect(mac.forwarding).toBe('0');
    expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
  });

  it('rolls back the anchor and the pf reference when setting forwarding fails halfway', async () => {
    const { run, mac } = fakeMac({ root: true, failOn: (c) => c.cmd === 'sysctl' && c.args[1] === 'net.inet.ip.forwarding=1' });
    const dataDir = mkdtempSync(join(tmpdir(), 'bootcast-pf-'));
    const nat = createNatController({ dataDir, platform: 'darwin', run });
    const state = await nat.enable({ lanInterface: 'bridge100', lanCidr: '198.18.0.0/24', uplink: 'en0' });
    expect(state.enabled).toBe(false);
    expect(state.error).toMatch(/net\.inet\.ip\.forwarding=1/);
    expect(mac).toMatchObject({ forwarding: '0', anchor: '' });
    expect(mac.refs.size).toBe(0);
    expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
  });

  it('recovers at the next start what a crashed run left: anchor flushed, reference released, forwarding restored', async () => {
    const { run, mac } = fakeMac({ root: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'bootcast-pf-'));
    await createNatController({ dataDir, platform: 'darwin', run }).enable({ lanInterface: 'bridge100', lanCidr: '198.18.0.0/24', uplink: 'en0' });
    // The first controller is abandoned (the process "crashed"); a new one starts.
    const next = createNatController({ dataDir, platform: 'darwin', run });
    const logs: string[] = [];
    next.events.on('log', (l) => logs.push(`${l.level} ${l.message}`));
    const state = await next.recover();
    expect(state.enabled).toBe(false);
    expect(mac).toMatchObject({ forwarding: '0', anchor: '' });
    expect(mac.refs.size).toBe(0);
    expect(logs[0]).toMatch(/^warn a previous run \(pid \d+/);
  });

  it('refuses interface names pf would misread', async () => {
    const backend = new MacPfBackend(fakeMac({ root: true }).run);
    await expect(backend.apply({ ...plan, uplink: 'en0 all' }, {}, async () => {})).rejects.toThrow(/not a valid interface name/);
  });
});
