import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';

/**
 * DHCP against clients and servers nobody here wrote, in namespaces this file builds:
 *
 *   srv: br0 198.18.0.1/24 (Bootcast binds here) + wan0 198.19.0.2/24 holding the default route
 *   cli: c0 on br0, no address (busybox udhcpc, dhclient)
 *   pxe: p0 198.18.0.50/24 on br0 (a raw PXE-like client that lists every answer)
 *   rtr: r0 198.18.0.254/24 on br0 (dnsmasq as the network's existing DHCP server)
 *   wan: eth0 198.19.0.1/24 (the uplink side: must never hear Bootcast's replies)
 */
const lab = NetLab.available();
const ROOT = resolve(import.meta.dirname, '../..');
const SERVER_SCRIPT = join(ROOT, 'test/support/run-dhcp-server.ts');
const CLIENT_SCRIPT = join(ROOT, 'test/support/run-dhcp-client.ts');

interface Ev {
  event: string;
  [k: string]: unknown;
}

class JsonLines {
  readonly lines: Ev[] = [];
  private buffered = '';
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as Ev);
        } catch {
          /* not ours */
        }
      }
    });
  }
  of(event: string): Ev[] {
    return this.lines.filter((l) => l.event === event);
  }
}

describe.skipIf(!lab.ok)('DHCP interop in network namespaces', () => {
  let net: NetLab;
  let srv: string, cli: string, pxe: string, rtr: string, wan: string;
  let tmp: string;

  beforeAll(() => {
    net = new NetLab();
    tmp = mkdtempSync(join(tmpdir(), 'bootcast-dhcp-interop-'));
    srv = net.addNamespace('dsrv');
    cli = net.addNamespace('dcli');
    pxe = net.addNamespace('dpxe');
    rtr = net.addNamespace('drtr');
    wan = net.addNamespace('dwan');
    net.addBridge(srv, 'br0', '198.18.0.1/24');
    net.addVeth({ ns: srv, ifname: 'cport', bridge: 'br0' }, { ns: cli, ifname: 'c0' });
    net.addVeth({ ns: srv, ifname: 'pport', bridge: 'br0' }, { ns: pxe, ifname: 'p0', cidr: '198.18.0.50/24' });
    net.addVeth({ ns: srv, ifname: 'rport', bridge: 'br0' }, { ns: rtr, ifname: 'r0', cidr: '198.18.0.254/24' });
    net.addVeth({ ns: srv, ifname: 'wan0', cidr: '198.19.0.2/24' }, { ns: wan, ifname: 'eth0', cidr: '198.19.0.1/24' });
    net.ip(srv, 'route', 'add', 'default', 'via', '198.19.0.1');
  });

  const running: JsonLines[] = [];
  afterEach(async () => {
    for (const server of running.splice(0)) if (server.child.exitCode === null) await stop(server);
  });

  afterAll(async () => {
    await net?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function startBootcast(args: object): Promise<JsonLines> {
    const child = net.spawn(srv, process.execPath, ['--import', 'tsx', SERVER_SCRIPT, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new JsonLines(child);
    running.push(out);
    await waitForLine(child, /"event":"(listening|fatal)"/, 20_000);
    const fatal = out.of('fatal')[0];
    if (fatal) throw new Error(`Bootcast DHCP did not start: ${String(fatal.message)}`);
    return out;
  }

  async function stop(server: JsonLines): Promise<void> {
    if (server.child.exitCode !== null) return;
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
  }

  function script(name: string, body: string): string {
    const path = join(tmp, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('serves busybox udhcpc and dhclient in full mode after auto finds no other server, only through br0', async () => {
    const dataDir = join(tmp, 'data');
    const server = await startBootcast({ mode: 'auto', serverAddress: '198.18.0.1', prefixLength: 24, range: { first: '198.18.0.100', last: '198.18.0.150' }, dataDir, probeTimeoutMs: 1500 });
    expect(server.of('decision')[0]).toMatchObject({ mode: 'full', reason: expect.stringMatching(/no DHCP server answered/) });
    expect(server.of('listening')[0]).toMatchObject({ mode: 'full' });

    // Watch the uplink while everything happens: Bootcast's replies must never appear there.
    const wanWatch = net.spawn(wan, 'tcpdump', ['-lni', 'eth0', '-c', '1', 'udp src port 67'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(wanWatch, /listening on eth0/, 5000);

    const udhcpcScript = script('udhcpc.sh', 'echo "UDHCPC $1 ip=$ip siaddr=$siaddr boot_file=$boot_file serverid=$serverid"');
    const udhcpc = net.exec(cli, 'busybox', ['udhcpc', '-i', 'c0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-V', 'PXEClient:Arch:00000:UNDI:002001', '-s', udhcpcScript], { timeoutMs: 20_000 });
    const bound = /UDHCPC bound ip=(\S+) siaddr=(\S+) boot_file=(\S+) serverid=(\S+)/.exec(udhcpc);
    expect(bound, udhcpc).not.toBeNull();
    const [, ip, siaddr, bootFile, serverId] = bound!;
    expect(ip).toMatch(/^198\.18\.0\.1([0-4]\d|50)$/);
    expect({ siaddr, bootFile, serverId }).toEqual({ siaddr: '198.18.0.1', bootFile: 'undionly.kpxe', serverId: '198.18.0.1' });
    // net.exec blocks this process's event loop; the server's output is read once it returns.
    await expect.poll(() => server.of('ack').find((a) => a.ip === ip), { timeout: 5000 }).toMatchObject({ firmware: 'bios', arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });

    // Like dhclient-script: log, and put the address on the interface (a RELEASE is sent from it).
    const hook = script('dhclient.sh', [
      `echo "DHCLIENT $reason ip=$new_ip_address server=$new_dhcp_server_identifier" >> ${tmp}/dhclient.log`,
      'if [ "$reason" = BOUND ]; then ip addr add "$new_ip_address/24" dev "$interface"; fi',
    ].join('\n'));
    const dhclientArgs = ['-4', '-1', '-sf', hook, '-lf', join(tmp, 'dhclient.leases'), '-pf', join(tmp, 'dhclient.pid'), 'c0'];
    net.exec(cli, 'dhclient', dhclientArgs, { timeoutMs: 30_000 });
    const log = readFileSync(join(tmp, 'dhclient.log'), 'utf8');
    const dh = /DHCLIENT BOUND ip=(\S+) server=198\.18\.0\.1/.exec(log);
    expect(dh, log).not.toBeNull();
    expect(dh![1]).toMatch(/^198\.18\.0\.1([0-4]\d|50)$/);
    // Same MAC (udhcpc's client id 01:MAC included) → same machine → same address.
    expect(dh![1]).toBe(ip);
    // Releasing through dhclient reaches the server as a RELEASE of that address.
    net.exec(cli, 'dhclient', ['-4', '-r', ...dhclientArgs], { timeoutMs: 15_000 });
    await expect.poll(() => server.of('release').map((r) => r.ip), { timeout: 5000, message: JSON.stringify(server.lines.slice(-5)) }).toContain(dh![1]);

    // A DHCP client on the uplink side gets nothing (replies go to br0's subnet broadcast).
    let wanClientFailed = false;
    try {
      net.exec(wan, 'busybox', ['udhcpc', '-i', 'eth0', '-n', '-q', '-t', '2', '-T', '1', '-s', '/bin/true'], { timeoutMs: 15_000 });
    } catch {
      wanClientFailed = true;
    }
    expect(wanClientFailed).toBe(true);
    expect(wanWatch.exitCode).toBeNull(); // tcpdump -c 1 would have exited on the first packet
    wanWatch.kill('SIGTERM');

    await stop(server);
    const leases = JSON.parse(readFileSync(join(dataDir, 'dhcp-leases.json'), 'utf8')) as { leases: { ip: string; state: string }[] };
    // udhcpc and dhclient were the same machine (one MAC): one record, released by dhclient -r.
    expect(leases.leases).toEqual([expect.objectContaining({ ip, state: 'released' })]);
  });

  it('reaches udhcpc with the subnet-directed broadcast too (the non-Linux default)', async () => {
    await startBootcast({ mode: 'full', serverAddress: '198.18.0.1', prefixLength: 24, broadcastAddress: '198.18.0.255', range: { first: '198.18.0.151', last: '198.18.0.155' } });
    const udhcpc = net.exec(cli, 'busybox', ['udhcpc', '-i', 'c0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-x', '0x3d:01525400bc0001', '-V', 'PXEClient:Arch:00007:UNDI:003000', '-s', script('subnet.sh', 'echo "UDHCPC $1 ip=$ip boot_file=$boot_file"')], { timeoutMs: 20_000 });
    expect(udhcpc).toMatch(/UDHCPC bound ip=198\.18\.0\.15[1-5] boot_file=snponly\.efi/);
  });

  it('with dnsmasq already serving, auto picks proxy mode, a PXE client sees both answers and the 4011 exchange, and full mode would warn', async () => {
    const dnsmasq = net.spawn(rtr, 'dnsmasq', [
      '--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=r0', '--bind-interfaces', '--user=root', '--no-ping',
      '--dhcp-range=198.18.0.160,198.18.0.200,255.255.255.0,1h', `--dhcp-leasefile=${join(tmp, 'dnsmasq.leases')}`, `--pid-file=${join(tmp, 'dnsmasq.pid')}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(dnsmasq, /DHCP, IP range/, 10_000);

    const server = await startBootcast({ mode: 'auto', serverAddress: '198.18.0.1', prefixLength: 24, probeTimeoutMs: 1500 });
    const decision = server.of('decision')[0]!;
    expect(decision).toMatchObject({ mode: 'proxy', reason: expect.stringMatching(/another DHCP server answered: 198\.18\.0\.254 \(offered 198\.18\.0\.(1[6-9]\d|200)\)/) });
    expect(server.of('listening')[0]).toMatchObject({ mode: 'proxy' });

    const out = net.exec(pxe, process.execPath, ['--import', 'tsx', CLIENT_SCRIPT, JSON.stringify({ mac: '52:54:00:aa:00:07', vendorClass: 'PXEClient:Arch:00007:UNDI:003000', arch: 7, ciaddr: '198.18.0.50', broadcastAddress: '198.18.0.255' })], { timeoutMs: 20_000 });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { offers: { serverId: string; yiaddr: string; file: string; vendorClass?: string; bytes: number }[]; proxyAck: { file: string; bootfileName: string } | null };
    const fromDnsmasq = result.offers.find((o) => o.serverId === '198.18.0.254');
    const fromBootcast = result.offers.find((o) => o.serverId === '198.18.0.1');
    expect(fromDnsmasq?.yiaddr).toMatch(/^198\.18\.0\.(1[6-9]\d|200)$/);
    expect(fromBootcast).toMatchObject({ yiaddr: '0.0.0.0', file: 'snponly.efi', vendorClass: 'PXEClient' });
    expect(fromBootcast!.bytes).toBeGreaterThanOrEqual(300);
    expect(result.proxyAck).toMatchObject({ file: 'snponly.efi', bootfileName: 'snponly.efi' });
    await expect.poll(() => server.of('proxy').map((p) => p.kind), { timeout: 5000 }).toEqual(['offer', 'ack']);

    // A non-PXE client is left to dnsmasq.
    const udhcpc = net.exec(cli, 'busybox', ['udhcpc', '-i', 'c0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', script('plain.sh', 'echo "UDHCPC $1 ip=$ip serverid=$serverid"')], { timeoutMs: 20_000 });
    expect(udhcpc).toMatch(/UDHCPC bound ip=198\.18\.0\.(1[6-9]\d|200) serverid=198\.18\.0\.254/);
    await expect.poll(() => server.of('ignored').map((i) => i.reason), { timeout: 5000 }).toContainEqual(expect.stringMatching(/not a PXE client \(vendor class udhcp/));
    await stop(server);

    // Forced into full mode next to dnsmasq, Bootcast's periodic probe finds dnsmasq and warns.
    const full = await startBootcast({ mode: 'full', serverAddress: '198.18.0.1', prefixLength: 24, range: { first: '198.18.0.100', last: '198.18.0.110' }, conflictWatch: { passive: true, probeIntervalMs: 500 } });
    await expect.poll(() => full.of('conflict')[0], { timeout: 10_000 }).toMatchObject({ serverId: '198.18.0.254', via: 'probe', offeredAddress: expect.stringMatching(/^198\.18\.0\.(1[6-9]\d|200)$/) });
    await stop(full);
    dnsmasq.kill('SIGTERM');
  });
});
