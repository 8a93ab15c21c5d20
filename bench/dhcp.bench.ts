/**
 * DHCP leases per second in full mode: a burst of 500 simulated clients (distinct MACs, each
 * DISCOVER → OFFER → REQUEST → ACK, all at once) against Bootcast's DhcpServer and against
 * dnsmasq, in the same run, same namespaces, rounds interleaved. Every client must end bound
 * (retransmission after 1 s counts against the time, as on a real network); a lost client
 * fails the bench.
 *
 *   srv namespace: s0 198.18.0.1/22 (the server under test)  ⇄  cli namespace: c0 198.18.0.2/22
 *
 * Environment: BENCH_DHCP_CLIENTS (default 500), BENCH_DHCP_ROUNDS (default 3). Needs root
 * (network namespaces) and dnsmasq (dnsmasq-base) for the comparison.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NetLab, waitForLine } from '../test/support/netns.ts';
import { median } from './support/median.ts';

const CLIENTS = Number(process.env.BENCH_DHCP_CLIENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_DHCP_ROUNDS ?? 3);
const ROOT = resolve(import.meta.dirname, '..');
const DEADLINE_MS = 5 * 60_000;

interface Burst {
  clients: number;
  bound: number;
  lost: number;
  uniqueIps: number;
  retransmits: number;
  naks: number;
  elapsedMs: number;
  leasesPerSecond: number;
}

function hasDnsmasq(): boolean {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/**
 * Collects a child's stdout until it exits. Asynchronous on purpose: while a synchronous exec
 * blocks this process, nobody drains the servers' log pipes, and a server blocked writing its
 * log (dnsmasq logs every lease) stops answering.
 */
function runToEnd(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`burst client failed (${code}): ${err.trim()}`))));
  });
}

async function main(): Promise<void> {
  const available = NetLab.available();
  if (!available.ok) {
    console.log(`dhcp bench skipped: ${available.why}`);
    return;
  }
  const killer = setTimeout(() => {
    console.error('dhcp bench: deadline reached, giving up');
    process.exit(1);
  }, DEADLINE_MS);
  killer.unref();
  const lab = new NetLab();
  const tmp = mkdtempSync(join(tmpdir(), 'bootcast-dhcp-bench-'));
  const results: Record<string, Burst[]> = { bootcast: [], dnsmasq: [] };
  try {
    const srv = lab.addNamespace('bdsrv');
    const cli = lab.addNamespace('bdcli');
    lab.addVeth({ ns: srv, ifname: 's0', cidr: '198.18.0.1/22' }, { ns: cli, ifname: 'c0', cidr: '198.18.0.2/22' });
    const range = { first: '198.18.1.0', last: '198.18.2.255' };
    const servers: Record<string, (round: number) => Promise<ChildProcess>> = {
      bootcast: async (round) => {
        const args = { mode: 'full', serverAddress: '198.18.0.1', prefixLength: 22, range, leaseSeconds: 3600, dataDir: join(tmp, `bootcast-${round}`), conflictWatch: { passive: false, probeIntervalMs: 0 } };
        const child = lab.spawn(srv, process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/run-dhcp-server.ts'), JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        // The server prints every event; drain stdout so the pipe never blocks it.
        child.stdout!.resume();
        await waitForLine(child, /"event":"listening"/, 20_000);
        return child;
      },
      dnsmasq: async (round) => {
        const child = lab.spawn(srv, 'dnsmasq', [
          '--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=s0', '--bind-interfaces', '--user=root', '--no-ping',
          '--dhcp-authoritative', '--dhcp-lease-max=4096', `--dhcp-range=${range.first},${range.last},255.255.252.0,1h`, '--dhcp-boot=undionly.kpxe,,198.18.0.1',
          `--dhcp-leasefile=${join(tmp, `dnsmasq-${round}.leases`)}`, `--pid-file=${join(tmp, `dnsmasq-${round}.pid`)}`,
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        await waitForLine(child, /DHCP, IP range/, 10_000);
        child.stdout!.resume();
        child.stderr!.resume();
        return child;
      },
    };
    const names = hasDnsmasq() ? ['bootcast', 'dnsmasq'] : ['bootcast'];
    if (names.length === 1) console.log('dnsmasq not installed (apt-get install dnsmasq-base): no comparison');
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        const server = await servers[name]!(round);
        try {
          const macPrefix = `02:${name === 'bootcast' ? 'bc' : 'd5'}:${round.toString(16).padStart(2, '0')}:00`;
          const out = await runToEnd(lab.spawn(cli, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/dhcp-burst-client.ts'), JSON.stringify({ clients: CLIENTS, broadcast: '198.18.3.255', macPrefix })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
          const burst = JSON.parse(out.trim().split("\n").at(-1)!) as Burst;
          if (process.env.BENCH_DEBUG) console.log(out);
          results[name]!.push(burst);
          console.log(`round ${round + 1} ${name.padEnd(8)} ${burst.bound}/${burst.clients} bound in ${burst.elapsedMs.toFixed(0)} ms = ${burst.leasesPerSecond.toFixed(0)} leases/s (${burst.retransmits} retransmissions, ${burst.naks} NAKs, ${burst.uniqueIps} distinct addresses)`);
        } finally {
          await stopChild(server);
        }
      }
    }
  } finally {
    await lab.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
  let failed = false;
  for (const [name, bursts] of Object.entries(results)) {
    for (const b of bursts) {
      if (b.lost > 0 || b.uniqueIps !== b.bound) {
        console.error(`${name}: ${b.lost} of ${b.clients} clients lost, ${b.bound - b.uniqueIps} duplicate addresses`);
        if (name === 'bootcast') failed = true;
      }
    }
  }
  const ours = median(results.bootcast!.map((b) => b.leasesPerSecond));
  console.log(`\nDHCP full mode, burst of ${CLIENTS} clients, median of ${ROUNDS}:`);
  console.log(`  Bootcast  ${ours.toFixed(0)} leases/s`);
  if (results.dnsmasq!.length) {
    const theirs = median(results.dnsmasq!.map((b) => b.leasesPerSecond));
    console.log(`  dnsmasq   ${theirs.toFixed(0)} leases/s`);
    console.log(`  ratio     ${(ours / theirs).toFixed(2)} × dnsmasq`);
  }
  clearTimeout(killer);
  if (failed) process.exit(1);
}

void main();
