/**
 * Load and soak of one `bootcast serve` (the real CLI, in its own process) on loopback, DHCP off
 * (DHCP under load is dhcp.bench.ts, inside a namespace). Simulated PXE clients each use their own
 * 127.x.y.z address: TFTP loader (tsize probe + lock-step download) → HTTP boot.ipxe → kernel and
 * initrd over HTTP.
 *
 *   200 at once:      all complete; peak RSS (target < 300 MB); TFTP bytes sent / needed (≤ 1.1)
 *   1,000 one by one: RSS and open descriptors, mean of the last 100 vs the first 100 (within 10 %)
 *   hostile mix:      never-ACK RRQs, slow readers, vanishing clients, garbage, idle connections,
 *                     for BENCH_HOSTILE_MS (default 5 min) beside 20 well-behaved clients in a
 *                     loop: they keep completing, the process never exits, RSS stays bounded
 *   HTTP throughput:  a 256 MiB file inside an ISO at 1 and 32 concurrent curl clients vs nginx
 *                     (sendfile, 1 worker) serving the extracted file, ≥ 2 GiB per run; MiB/s
 *                     and CPU-seconds per GiB of the server and of the clients, as ratios from
 *                     the same run (medians of BENCH_REPEATS, default 3)
 *
 * BENCH_LOAD_ONLY=boot|hostile|http runs one part. Needs: curl, xorriso, nginx-light, the
 * packages of test/support/make-test-iso.sh.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port.ts';
import { waitForLine } from '../test/support/netns.ts';
import { RawNbdClient } from '../test/support/nbd-raw-client.ts';
import { NbdCmd } from '../src-main/protocol/nbd/index.ts';
import { median } from './support/median.ts';
import { bootOnce, clientAddress, garbage, idleConnections, neverAck, newCounts, slowReader, vanish, type Target } from './support/pxe-sim-client.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/bootcast.mjs');
const HOSTILE_MS = Number(process.env.BENCH_HOSTILE_MS ?? 300_000);
const ONLY = process.env.BENCH_LOAD_ONLY;
const HTTP_SIZE = 256 * 1024 * 1024;
const CLK_TCK = 100;

const children: ChildProcess[] = [];
let work = '';
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
const limit = setTimeout(() => {
  console.error('load bench: exceeded its time limit, giving up');
  process.exit(1);
}, HOSTILE_MS + 40 * 60_000);
limit.unref();

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
/** User + system CPU seconds of a process (and, for nginx, its workers). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}
const childPids = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Serve {
  child: ChildProcess;
  pid: number;
  target: Target;
  stderr: () => string;
}

async function startServe(images: string[], dataDir: string, extra: string[] = []): Promise<Serve> {
  const [http, tftp, nbd] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [BIN, 'serve', ...images, '--interface', 'lo', '--dhcp', 'off', '--http-port', String(http), '--tftp-port', String(tftp),
    '--nbd-port', String(nbd), '--data-dir', dataDir, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
  await waitForLine(child, /Bootcast is serving/, 60_000);
  return { child, pid: child.pid!, target: { host: '127.0.0.1', tftpPort: tftp, httpPort: http, nbdPort: nbd }, stderr: () => stderr };
}

async function stopServe(s: Serve): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGINT');
  return exited;
}

const rows: Array<[string, string, string]> = [];
function row(what: string, value: string, target: string): void {
  rows.push([what, value, target]);
  console.log(`  ${what}: ${value}   (${target})`);
}

async function bootPhase(iso: string): Promise<void> {
  console.log('\n200 simulated clients at once');
  const serve = await startServe([iso], join(work, 'data-boot'));
  const rss0 = rssMiB(serve.pid);
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(serve.pid))), 50);
  const counts = newCounts();
  const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => bootOnce(serve.target, i, counts)));
  clearInterval(sampler);
  const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  row('200 at once: completed', `${200 - failed.length}/200`, 'all');
  if (failed.length) console.log(`    first failure: ${(failed[0]!.reason as Error).message}`);
  row('200 at once: peak RSS', `${peak.toFixed(0)} MiB (idle ${rss0.toFixed(0)} MiB)`, '< 300 MB');
  row('200 at once: TFTP bytes sent / needed', (counts.tftpReceived / counts.tftpNeeded).toFixed(3), '≤ 1.1');

  console.log('\n1,000 simulated boots one after another');
  const rss: number[] = [];
  const fds: number[] = [];
  let fails = 0;
  let firstFail = '';
  for (let i = 0; i < 1000; i++) {
    await bootOnce(serve.target, 1000 + i, newCounts(), 0).catch((err: Error) => {
      fails++;
      firstFail ||= err.message;
    });
    rss.push(rssMiB(serve.pid));
    fds.push(fdCount(serve.pid));
  }
  const [r1, r2, f1, f2] = [mean(rss.slice(0, 100)), mean(rss.slice(-100)), mean(fds.slice(0, 100)), mean(fds.slice(-100))];
  row('1,000 sequential: failed boots', String(fails), '0');
  if (firstFail) console.log(`    first failure: ${firstFail}`);
  row('1,000 sequential: RSS last 100 / first 100', `${(r2 / r1).toFixed(3)} (${r1.toFixed(0)} → ${r2.toFixed(0)} MiB)`, '0.9–1.1');
  row('1,000 sequential: open fds last 100 / first 100', `${(f2 / f1).toFixed(3)} (${f1.toFixed(1)} → ${f2.toFixed(1)})`, '0.9–1.1');
  const kinds = new Map<string, number>();
  for (const fd of readdirSync(`/proc/${serve.pid}/fd`)) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/${serve.pid}/fd/${fd}`).replace(/\[\d+\]$/, '').replace(/^\/.*\//, 'file:');
      } catch {
        return 'gone';
      }
    })();
    kinds.set(target, (kinds.get(target) ?? 0) + 1);
  }
  console.log(`    open descriptors at the end: ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  row('serve exit after SIGINT', String(await stopServe(serve)), '0');
}

async function hostilePhase(iso: string, kernelPath: string): Promise<void> {
  console.log(`\nhostile mix for ${(HOSTILE_MS / 1000).toFixed(0)} s beside 20 well-behaved clients`);
  const serve = await startServe([iso], join(work, 'data-hostile'));
  const t = serve.target;
  const deadline = Date.now() + HOSTILE_MS;
  let peak = rssMiB(serve.pid);
  let peakFds = fdCount(serve.pid);
  const sampler = setInterval(() => {
    if (serve.child.exitCode !== null) return;
    peak = Math.max(peak, rssMiB(serve.pid));
    peakFds = Math.max(peakFds, fdCount(serve.pid));
  }, 200);
  let good = 0;
  let goodFailed = 0;
  let firstFailure = '';
  const goodLoops = Array.from({ length: 20 }, async (_, i) => {
    for (let round = 0; Date.now() < deadline; round++) {
      try {
        await bootOnce(t, 5000 + i, newCounts());
        good++;
      } catch (err) {
        goodFailed++;
        firstFailure ||= (err as Error).message;
      }
    }
  });
  const hostileCounts = newCounts();
  let hostileRounds = 0;
  const hostileLoops = [
    async (n: number) => neverAck(t, clientAddress(n, 20), 50, hostileCounts),
    async (n: number) => Promise.all(Array.from({ length: 10 }, (_, i) => slowReader(t, clientAddress(n * 10 + i, 21), kernelPath, 5000))),
    async (n: number) => Promise.all(Array.from({ length: 10 }, (_, i) => vanish(t, clientAddress(n * 10 + i, 22), kernelPath, 200_000))),
    async (n: number) => garbage(t, clientAddress(n, 23), 200),
    async (n: number) => idleConnections(t, clientAddress(n % 50, 24), 30, 4000),
    async () => {
      // NBD replies nobody reads.
      const { client } = await RawNbdClient.attached(t.nbdPort, 'tiny-arch');
      for (let r = 0; r < 32; r++) client.request({ type: NbdCmd.READ, cookie: BigInt(r), offset: BigInt(r * 256 * 1024), length: 256 * 1024 });
      await new Promise((res) => setTimeout(res, 3000));
      client.destroy();
    },
  ].map(async (probe) => {
    for (let n = 0; Date.now() < deadline; n++) {
      await probe(n).catch(() => undefined);
      hostileRounds++;
    }
  });
  await Promise.all([...goodLoops, ...hostileLoops]);
  clearInterval(sampler);
  const alive = serve.child.exitCode === null && serve.child.signalCode === null;
  row('hostile: process still running', alive ? 'yes' : `no (exit ${serve.child.exitCode ?? serve.child.signalCode})`, 'yes');
  row('hostile: well-behaved boots completed / failed', `${good} / ${goodFailed}`, 'all complete');
  if (firstFailure) console.log(`    first failure: ${firstFailure}`);
  row('hostile: probe rounds', String(hostileRounds), '');
  row('hostile: peak RSS, peak open fds', `${peak.toFixed(0)} MiB, ${peakFds}`, 'bounded');
  const warnings = serve.stderr().split('\n').filter((l) => /WARN (tftp|http|nbd):/.test(l));
  console.log(`    last limit warnings: ${warnings.slice(-3).join(' | ') || 'none'}`);
  if (alive) row('serve exit after SIGINT', String(await stopServe(serve)), '0');
}

function writeRandomFile(path: string, size: number): void {
  const block = randomBytes(16 * 1024 * 1024);
  const fd = openSync(path, 'w');
  for (let written = 0, n = 0; written < size; n++) {
    block.writeUInt32LE(n, 0);
    const len = Math.min(block.length, size - written);
    writeSync(fd, block, 0, len);
    written += len;
  }
  closeSync(fd);
}

/** CPU seconds of this process's reaped children (the curl clients). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

/** `clients` curl processes at once, each from its own address, each fetching `url` `times` times over one connection; returns ms. */
async function curlAll(url: string, clients: number, times: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        // Each client from its own address, as on a real network (and within the per-address caps).
        const targets = Array.from({ length: times }, () => ['-o', '/dev/null', url]).flat();
        const c = spawn('curl', ['-sS', '--fail', '--interface', clientAddress(i, 30), ...targets], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`curl ${url}: exit ${code} ${err}`))));
      }),
    ),
  );
  return performance.now() - t0;
}

async function httpPhase(): Promise<void> {
  console.log('\nHTTP throughput from inside an ISO vs nginx serving the extracted file');
  const files = join(work, 'files');
  mkdirSync(files, { recursive: true });
  chmodSync(work, 0o755);
  chmodSync(files, 0o755);
  writeRandomFile(join(files, 'big.bin'), HTTP_SIZE);
  const iso = join(work, 'bench.iso');
  const mk = spawnSync('xorriso', ['-as', 'mkisofs', '-iso-level', '3', '-R', '-quiet', '-o', iso, files], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`xorriso: ${mk.stderr}`);
  const serve = await startServe([iso], join(work, 'data-http'));
  const nginxPort = await freePort();
  const conf = join(work, 'nginx.conf');
  writeFileSync(conf, `daemon off;\nworker_processes 1;\npid ${work}/nginx.pid;\nerror_log ${work}/nginx-error.log;\nevents { worker_connections 256; }\n` +
    `http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  client_body_temp_path ${work}/nginx-tmp;\n  proxy_temp_path ${work}/nginx-tmp;\n  fastcgi_temp_path ${work}/nginx-tmp;\n` +
    `  server { listen 127.0.0.1:${nginxPort}; root ${files}; }\n}\n`);
  const nginx = spawn('nginx', ['-p', work, '-e', `${work}/nginx-error.log`, '-c', conf], { stdio: 'ignore' });
  children.push(nginx);
  await new Promise((r) => setTimeout(r, 500));
  const nginxPids = () => [nginx.pid!, ...childPids(nginx.pid!)];
  const contenders = [
    { name: 'Bootcast (from ISO)', url: `http://127.0.0.1:${serve.target.httpPort}/images/bench/big.bin`, pids: () => [serve.pid] },
    { name: 'nginx (sendfile)', url: `http://127.0.0.1:${nginxPort}/big.bin`, pids: nginxPids },
  ];
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  // Both serve the same 256 MiB from the page cache (read once before timing); the curl clients
  // share this machine's cores with the server, so their CPU is reported too: where a copy is
  // paid (sendfile moves it from the server to the receiving client) shifts between the columns.
  console.log(`  setup: ${HTTP_SIZE / 2 ** 20} MiB file; nginx ${spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '')}, 1 worker, sendfile on; ` +
    `curl clients on this machine (${cpus().length} cores), each from its own 127.30.x.y; load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const c of contenders) await curlAll(c.url, 1, 1);
  for (const clients of [1, 32]) {
    // Enough bytes per run (≥ 2 GiB) that CPU time, counted in 10 ms ticks, is measured to ~1 %.
    const times = Math.max(1, Math.ceil(2 ** 31 / (HTTP_SIZE * clients)));
    const gib = (HTTP_SIZE * clients * times) / 2 ** 30;
    const m = new Map(contenders.map((c) => [c.name, { speed: [] as number[], server: [] as number[], client: [] as number[] }]));
    for (let i = 0; i < repeats; i++) {
      for (const c of i % 2 ? [...contenders].reverse() : contenders) {
        const [s0, k0] = [cpuSeconds(c.pids()), childCpuSeconds()];
        const ms = await curlAll(c.url, clients, times);
        const r = m.get(c.name)!;
        r.speed.push((gib * 1024) / (ms / 1000));
        r.server.push((cpuSeconds(c.pids()) - s0) / gib);
        r.client.push((childCpuSeconds() - k0) / gib);
      }
    }
    const med = (name: string, k: 'speed' | 'server' | 'client') => median(m.get(name)![k]);
    for (const c of contenders) {
      console.log(`  ${clients} client(s) ${c.name.padEnd(22)} ${med(c.name, 'speed').toFixed(0).padStart(6)} MiB/s   CPU-s/GiB: server ${med(c.name, 'server').toFixed(2)}, clients ${med(c.name, 'client').toFixed(2)}`);
    }
    const [a, b] = contenders.map((c) => c.name) as [string, string];
    row(`HTTP ${clients} client(s): throughput Bootcast / nginx`, (med(a, 'speed') / med(b, 'speed')).toFixed(2), clients === 32 ? '≥ 0.9' : '');
    row(`HTTP ${clients} client(s): server CPU-s per GiB Bootcast / nginx`, `${(med(a, 'server') / med(b, 'server')).toFixed(2)} (${med(a, 'server').toFixed(2)} / ${med(b, 'server').toFixed(2)})`, 'lower is better');
    row(`HTTP ${clients} client(s): server + clients CPU-s per GiB, Bootcast / nginx`, ((med(a, 'server') + med(a, 'client')) / (med(b, 'server') + med(b, 'client'))).toFixed(2), 'lower is better');
  }
  await stopServe(serve);
}

async function main(): Promise<void> {
  for (const tool of ['curl', 'xorriso', 'nginx']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.error(`load bench: ${tool} is missing`);
      process.exit(2);
    }
  }
  work = mkdtempSync(join(tmpdir(), 'bootcast-load-'));
  const iso = join(work, 'tiny-arch.iso');
  if (ONLY !== 'http') {
    const mk = spawnSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`make-test-iso.sh: ${mk.stderr}`);
  }
  if (!ONLY || ONLY === 'boot') await bootPhase(iso);
  if (!ONLY || ONLY === 'hostile') await hostilePhase(iso, '/images/tiny-arch/arch/boot/x86_64/vmlinuz-linux');
  if (!ONLY || ONLY === 'http') await httpPhase();
  console.log('\nsummary');
  for (const [what, value, target] of rows) console.log(`  ${what.padEnd(64)} ${value.padEnd(22)} ${target}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`load bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
