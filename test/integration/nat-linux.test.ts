import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatState } from '../../src-main/shared/api.ts';
import { NetLab, waitForLine } from '../support/netns.ts';
import { until } from '../support/until.ts';

/**
 * Internet sharing for real, in three namespaces:
 *   client (198.18.0.10) ── bridge pxe0 (198.18.0.1) [server] up0 (198.19.0.2) ── (198.19.0.1) internet
 * The controller runs INSIDE the server namespace (run-nat.ts), so nft/iptables/ip_forward it
 * changes are that namespace's and the host is never touched.
 */
const available = NetLab.available();
const RUN_NAT = join(process.cwd(), 'test/support/run-nat.ts');
const LAN_CIDR = '198.18.0.0/24';
const hasLegacy = (() => {
  try {
    execFileSync('iptables-legacy', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!available.ok)('NAT internet sharing on Linux (namespaces)', () => {
  const lab = new NetLab();
  let server = '';
  let client = '';
  let internet = '';
  let dataDir = '';
  let httpd: ReturnType<NetLab['spawn']>;
  /** Peer addresses the internet server logged, in order. */
  const peers: string[] = [];

  beforeAll(async () => {
    ({ server, internet, client } = lab.addPxeLab({
      server: 'bcs', internet: 'bci', bridge: 'pxe0', uplink: 'up0', internetIf: 'wan0', client: { base: 'bcc', cidr: '198.18.0.10/24' },
    }) as { server: string; internet: string; client: string });
    // The "internet": answers with, and logs, the peer address it sees.
    httpd = lab.spawn(internet, process.execPath, [
      '-e',
      `require('http').createServer((q, s) => { console.log('peer ' + q.socket.remoteAddress); s.end(q.socket.remoteAddress); })
        .listen(8080, '198.19.0.1', () => console.log('listening'));`,
    ]);
    await waitForLine(httpd, /^listening/, 10_000);
    let pending = '';
    httpd.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith('peer ')) peers.push(line.slice(5));
    });
    dataDir = mkdtempSync(join(tmpdir(), 'bootcast-nat-'));
    addUserRules();
  });

  afterAll(async () => {
    await lab.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** What must be byte-identical before enabling and after disabling. */
  function firewallSnapshot(): Record<string, string> {
    // iptables-save stamps "# Generated … on <time>" lines: the rules are compared, the clock is not.
    const rules = (text: string) => text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    return {
      nft: lab.exec(server, 'nft', ['list', 'ruleset']),
      iptables: rules(lab.exec(server, 'iptables-save', [])),
      // Legacy tables count packets per built-in chain ([packets:bytes]); traffic is not a rule change.
      ...(hasLegacy ? { iptablesLegacy: rules(lab.exec(server, 'iptables-legacy-save', [])).replace(/\[\d+:\d+\]/g, '[-]') } : {}),
      ipForward: lab.exec(server, 'sysctl', ['net.ipv4.ip_forward']),
    };
  }

  function clientFetch(): { ok: true; body: string } | { ok: false } {
    try {
      const body = lab.exec(client, 'curl', ['-sS', '--connect-timeout', '1', '--max-time', '3', 'http://198.19.0.1:8080/'], { timeoutMs: 10_000 });
      return { ok: true, body };
    } catch {
      return { ok: false };
    }
  }

  function runNat(args: string[], extra: string[] = []): { result: NatState; lines: Record<string, unknown>[] } {
    const out = lab.exec(server, process.execPath, ['--import', 'tsx', RUN_NAT, dataDir, ...args, ...extra], { timeoutMs: 60_000 });
    const lines = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1) as { result: NatState };
    return { result: last.result, lines };
  }

  /**
   * Rules a user had before Bootcast: they must come out untouched. (They also make the `ip nat`
   * and `ip filter` tables exist beforehand: iptables (nft-backed or legacy) instantiates those
   * tables on first use and has no command to delete them, so on a machine with no iptables
   * rules at all the fallback leaves empty accept-policy built-in chains behind, which filter
   * nothing; nft's own path leaves nothing.)
   */
  function addUserRules(): void {
    lab.exec(server, 'nft', ['-f', '-'], {
      input: 'table inet userfw {\n chain userforward {\n  type filter hook forward priority 10; policy accept;\n  ip saddr 198.19.99.0/24 drop\n }\n}\n',
    });
    lab.exec(server, 'iptables', ['-w', '-A', 'FORWARD', '-s', '198.19.98.0/24', '-j', 'DROP']);
    lab.exec(server, 'iptables', ['-w', '-t', 'nat', '-A', 'POSTROUTING', '-s', '198.19.97.0/24', '-j', 'RETURN']);
    if (hasLegacy) {
      lab.exec(server, 'iptables-legacy', ['-w', '-A', 'FORWARD', '-s', '198.19.96.0/24', '-j', 'DROP']);
      lab.exec(server, 'iptables-legacy', ['-w', '-t', 'nat', '-A', 'POSTROUTING', '-s', '198.19.95.0/24', '-j', 'RETURN']);
    }
  }

  for (const variant of [
    { name: 'nftables', extra: [] as string[], expectApplied: /nft table inet bootcast/ },
    { name: 'the iptables fallback when nft is missing', extra: ['--hide-nft'], expectApplied: /iptables -t nat BOOTCAST-POSTROUTING/ },
    ...(hasLegacy ? [{ name: 'legacy iptables (older distributions)', extra: ['--hide-nft', '--iptables-legacy'], expectApplied: /iptables -t nat BOOTCAST-POSTROUTING/ }] : []),
  ]) {
    it(`shares the internet through ${variant.name}, the server sees the NAT address, and the firewall is byte-identical when switched off`, async () => {
      const before = firewallSnapshot();
      expect(before.ipForward).toMatch(/= 0/);
      expect(clientFetch().ok).toBe(false);

      const on = runNat(['enable', 'pxe0', '198.18.0.1/24'], variant.extra);
      expect(on.result.error).toBeUndefined();
      expect(on.result.enabled).toBe(true);
      expect(on.result.uplink).toBe('up0');
      expect(on.result.applied.join('\n')).toMatch(variant.expectApplied);
      expect(on.lines.some((l) => l.event === 'log' && /internet sharing on/.test(String(l.message)))).toBe(true);

      const logged = peers.length;
      const fetched = clientFetch();
      expect(fetched).toEqual({ ok: true, body: '198.19.0.2' });
      await until(() => peers.length > logged);
      expect(peers.slice(logged)).toEqual(['198.19.0.2']);

      const off = runNat(['disable'], variant.extra);
      expect(off.result.enabled).toBe(false);
      expect(off.result.error).toBeUndefined();
      expect(clientFetch().ok).toBe(false);
      expect(firewallSnapshot()).toEqual(before);
    });
  }

  for (const variant of [
    { name: 'nftables', extra: [] as string[] },
    { name: 'iptables', extra: ['--hide-nft'] },
    ...(hasLegacy ? [{ name: 'legacy iptables', extra: ['--hide-nft', '--iptables-legacy'] }] : []),
  ]) {
    it(`undoes sharing (${variant.name}) left on by a process killed with SIGKILL at the next start`, async () => {
      const before = firewallSnapshot();
      const holder = lab.spawn(server, process.execPath, ['--import', 'tsx', RUN_NAT, dataDir, 'enable', 'pxe0', LAN_CIDR, 'up0', '--hold', ...variant.extra]);
      const result = await waitForLine(holder, /^(\{"result".*)$/, 30_000);
      expect((JSON.parse(result[1]!) as { result: NatState }).result.enabled).toBe(true);
      expect(clientFetch().ok).toBe(true);
      await new Promise<void>((resolve) => {
        holder.once('exit', () => resolve());
        holder.kill('SIGKILL');
      });
      // Killed: its rules stay applied until the next start recovers.
      expect(clientFetch().ok).toBe(true);
      expect(firewallSnapshot()).not.toEqual(before);

      const recovered = runNat(['recover'], variant.extra);
      expect(recovered.result.enabled).toBe(false);
      expect(recovered.lines.some((l) => l.event === 'log' && /previous run/.test(String(l.message)))).toBe(true);
      expect(clientFetch().ok).toBe(false);
      expect(firewallSnapshot()).toEqual(before);
    });
  }

  for (const variant of [
    { name: 'nftables, when forwarding cannot be switched on', extra: ['--fail-ip-forward'], error: /ip_forward=1/ },
    { name: 'iptables, when the FORWARD jump is refused', extra: ['--hide-nft', '--fail-on=-I FORWARD'], error: /simulated failure of iptables/ },
  ]) {
    it(`rolls back a half-applied enable (${variant.name}) and leaves nothing behind`, () => {
      const before = firewallSnapshot();
      const { result } = runNat(['enable', 'pxe0', LAN_CIDR, 'up0'], variant.extra);
      expect(result.enabled).toBe(false);
      expect(result.error).toMatch(variant.error);
      expect(firewallSnapshot()).toEqual(before);
      expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
      expect(clientFetch().ok).toBe(false);
    });
  }

  it("names another firewall's drop-policy forward chain in a warning instead of failing silently", () => {
    lab.exec(server, 'nft', ['-f', '-'], { input: 'table ip dockerish {\n chain fwd_drop {\n  type filter hook forward priority 0; policy drop;\n }\n}\n' });
    try {
      const on = runNat(['enable', 'pxe0', LAN_CIDR, 'up0']);
      expect(on.result.enabled).toBe(true);
      expect(on.result.applied.join('\n')).toMatch(/warning: forward chain "ip dockerish fwd_drop"/);
      expect(on.lines.some((l) => l.event === 'log' && l.level === 'warn' && /dockerish/.test(String(l.message)))).toBe(true);
      expect(clientFetch().ok).toBe(false);
    } finally {
      runNat(['disable']);
      lab.exec(server, 'nft', ['delete', 'table', 'ip', 'dockerish']);
    }
  });

  it('refuses without CAP_NET_ADMIN, says how to grant it, and changes nothing', () => {
    const before = firewallSnapshot();
    const out = lab.exec(server, 'setpriv', [
      '--bounding-set', '-net_admin', '--inh-caps', '-net_admin', '--',
      process.execPath, '--import', 'tsx', RUN_NAT, dataDir, 'enable', 'pxe0', LAN_CIDR, 'up0',
    ], { timeoutMs: 60_000 });
    const state = (JSON.parse(out.trim().split('\n').at(-1)!) as { result: NatState }).result;
    expect(state.enabled).toBe(false);
    expect(state.error).toMatch(/root/);
    expect(state.error).toMatch(/CAP_NET_ADMIN/);
    expect(state.unavailableReason).toBe(state.error);
    expect(firewallSnapshot()).toEqual(before);
    expect(existsSync(join(dataDir, 'nat-state.json'))).toBe(false);
  });

  it('offers the default-route interface as uplink and never the PXE interface', () => {
    expect(runNat(['candidates', 'pxe0']).result).toEqual(['up0']);
    expect(runNat(['candidates', 'up0']).result).toEqual([]);
  });
});

if (!available.ok) describe('NAT internet sharing on Linux (namespaces)', () => it.skip(available.why, () => {}));
