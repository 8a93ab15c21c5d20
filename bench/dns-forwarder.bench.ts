/**
 * DNS relay throughput: the same query load (a window of 64 outstanding queries, unique names)
 * through Bootcast's DnsForwarder and through dnsmasq with its cache off (a pure forwarder),
 * both relaying to one fake upstream in its own process, rounds interleaved. Loopback only.
 * Goal: Bootcast within 0.5× of dnsmasq: the forwarder serves a handful of installers, so
 * being slower than a C daemon is fine, being pathologically slow is not.
 *
 * Environment: BENCH_DNS_QUERIES (default 20000) per round, BENCH_DNS_ROUNDS (default 3).
 * Needs dnsmasq.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { decodeDnsHeader, encodeDnsQuery } from '../src-main/protocol/dns/dns-message.ts';
import { DnsForwarder } from '../src-main/servers/dns-forwarder.ts';
import { startFakeDnsUpstream } from '../test/support/fake-dns-upstream.ts';

const HOST = '127.0.0.1';
const UPSTREAM_PORT = 25353;
const BOOTCAST_PORT = 25354;
const DNSMASQ_PORT = 25355;
const queries = Number(process.env.BENCH_DNS_QUERIES ?? 20_000);
const rounds = Number(process.env.BENCH_DNS_ROUNDS ?? 3);
const WINDOW = 64;
const QUERY_TIMEOUT_MS = 1000;
const DEADLINE_MS = 5 * 60_000;
const self = fileURLToPath(import.meta.url);

// Child roles: the upstream and Bootcast's forwarder each get their own process, like dnsmasq.
const role = process.argv[2];
if (role === '--upstream') {
  await startFakeDnsUpstream(HOST, UPSTREAM_PORT, '198.18.7.7');
  console.log('ready');
} else if (role === '--bootcast') {
  await new DnsForwarder({ address: HOST, port: BOOTCAST_PORT, upstreams: [{ address: HOST, port: UPSTREAM_PORT }] }).start();
  console.log('ready');
} else {
  await main();
}

function startChild(cmd: string, args: string[], readyOn: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (readyOn.test(seen)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before ready: ${seen.trim()}`)));
  });
}

/** Sends `count` queries keeping WINDOW outstanding; returns queries/second, median latency, losses. */
function load(port: number, count: number, round: number): Promise<{ qps: number; p50ms: number; lost: number }> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let next = 0;
    let done = 0;
    let lost = 0;
    const started = performance.now();
    const send = () => {
      if (next >= count) return;
      const id = next++ & 0xffff;
      sentAt.set(id, performance.now());
      socket.send(encodeDnsQuery(id, `q${next}.r${round}.p${port}.bench.example`), port, HOST);
    };
    const finish = () => {
      if (done < count) return;
      clearInterval(reaper);
      socket.close();
      latencies.sort((a, b) => a - b);
      resolve({ qps: (count - lost) / ((performance.now() - started) / 1000), p50ms: latencies[Math.floor(latencies.length / 2)] ?? NaN, lost });
    };
    socket.on('message', (msg) => {
      const id = decodeDnsHeader(msg).id;
      const t = sentAt.get(id);
      if (t === undefined) return;
      sentAt.delete(id);
      latencies.push(performance.now() - t);
      done++;
      send();
      finish();
    });
    // A query lost on the way frees its window slot after a timeout.
    const reaper = setInterval(() => {
      const now = performance.now();
      for (const [id, t] of sentAt) {
        if (now - t < QUERY_TIMEOUT_MS) continue;
        sentAt.delete(id);
        lost++;
        done++;
        send();
      }
      finish();
    }, 100);
    socket.bind(0, HOST, () => {
      for (let i = 0; i < WINDOW; i++) send();
    });
  });
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('dns-forwarder bench: deadline reached, stopping');
    process.exit(1);
  }, DEADLINE_MS);
  const children: ChildProcess[] = [];
  try {
    children.push(await startChild(process.execPath, ['--import', 'tsx', self, '--upstream'], /ready/));
    children.push(await startChild(process.execPath, ['--import', 'tsx', self, '--bootcast'], /ready/));
    children.push(
      await startChild(
        'dnsmasq',
        ['--keep-in-foreground', '--log-facility=-', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--cache-size=0', '--dns-forward-max=1024',
          `--port=${DNSMASQ_PORT}`, `--listen-address=${HOST}`, '--bind-interfaces', `--server=${HOST}#${UPSTREAM_PORT}`],
        /started, version/,
      ),
    );
    await load(BOOTCAST_PORT, 500, -1); // warm-up (JIT) for both
    await load(DNSMASQ_PORT, 500, -1);
    const results = { bootcast: [] as { qps: number; p50ms: number; lost: number }[], dnsmasq: [] as { qps: number; p50ms: number; lost: number }[] };
    for (let r = 0; r < rounds; r++) {
      results.bootcast.push(await load(BOOTCAST_PORT, queries, r));
      results.dnsmasq.push(await load(DNSMASQ_PORT, queries, r));
    }
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const b = median(results.bootcast.map((x) => x.qps));
    const d = median(results.dnsmasq.map((x) => x.qps));
    console.log(`queries per round: ${queries}, window ${WINDOW}, rounds ${rounds}`);
    for (const [name, rs] of Object.entries(results)) {
      console.log(`${name.padEnd(9)} qps ${rs.map((x) => x.qps.toFixed(0)).join(' / ')}  p50 ${rs.map((x) => x.p50ms.toFixed(2)).join(' / ')} ms  lost ${rs.map((x) => x.lost).join(' / ')}`);
    }
    console.log(`ratio Bootcast/dnsmasq (median qps): ${(b / d).toFixed(2)}×  (goal ≥ 0.50×)`);
    if (b / d < 0.5) process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    for (const c of children) c.kill('SIGTERM');
  }
}
