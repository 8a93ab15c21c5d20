/**
 * NBD throughput: nbdcopy (and qemu-img convert) copy the same 1 GiB file exported by Bootcast's
 * NbdServer and by the reference `nbd-server`, in the same run, rounds interleaved so load
 * changes on the machine hit both alike. Goal: Bootcast ≥ 1.0 × nbd-server.
 *
 * Environment: BENCH_NBD_MIB (default 1024) file size, BENCH_NBD_ROUNDS (default 5).
 * On a shared machine single runs swing by 2×, so the table shows the best run (what each server
 * can do when it gets the CPU) and the median (what it typically got), with a ratio for each.
 * Needs nbdcopy (libnbd-bin), nbd-server, qemu-img (qemu-utils). Loopback only.
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NbdServer, fileExport, staticExports } from '../src-main/servers/nbd/index.ts';
import { median } from './support/median.ts';
import { freePort } from '../test/support/free-port.ts';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_NBD_MIB ?? 1024);
const rounds = Number(process.env.BENCH_NBD_ROUNDS ?? 5);
const HOST = '127.0.0.1';
const EXPORT = 'image';
/** Hard stop for the whole bench: it must end by itself even if a tool hangs. */
const DEADLINE_MS = 10 * 60_000;

interface Result {
  tool: string;
  server: string;
  seconds: number[];
  /** Server CPU seconds (user + system) per run: independent of how busy the machine is. */
  cpu: number[];
}

/** CPU seconds of our own process (the in-process NbdServer, incl. libuv's pread threads). */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * CPU time of nbd-server: it daemonizes and forks a multi-threaded child per connection, so
 * neither the spawn's rusage nor the daemon's cutime sees it all. A cpuacct cgroup (v1) or a v2
 * cgroup (cpu.stat usage_usec) that the daemon starts in counts every descendant exactly; without
 * one (no root, read-only /sys) the column is left out.
 */
class CgroupCpuMeter {
  private constructor(
    readonly dir: string,
    private readonly read: () => number,
  ) {}

  static create(name: string): CgroupCpuMeter | null {
    const candidates: Array<[string, (dir: string) => number]> = [
      ['/sys/fs/cgroup/cpuacct', (dir) => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e9],
      ['/sys/fs/cgroup', (dir) => Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1]) / 1e6],
    ];
    for (const [root, read] of candidates) {
      const isV2 = root === '/sys/fs/cgroup';
      if (!existsSync(join(root, isV2 ? 'cgroup.controllers' : 'cpuacct.usage'))) continue;
      const dir = join(root, name);
      try {
        mkdirSync(dir);
        const meter = new CgroupCpuMeter(dir, () => read(dir));
        meter.seconds();
        return meter;
      } catch {
        try {
          rmdirSync(dir);
        } catch {
          // never created
        }
      }
    }
    return null;
  }

  seconds(): number {
    return this.read();
  }

  /** A command line that joins this cgroup before exec'ing `cmd`. */
  wrap(cmd: string, args: string[]): [string, string[]] {
    return ['sh', ['-c', `echo $$ > ${this.dir}/cgroup.procs && exec "$0" "$@"`, cmd, ...args]];
  }

  async remove(): Promise<void> {
    // The daemon's children take a moment to exit after SIGTERM; an occupied cgroup cannot be removed.
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.error(`could not remove cgroup ${this.dir}; remove it with rmdir once nbd-server has exited`);
  }
}

function run(cmd: string, args: string[], timeoutMs = 180_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

async function timed(cmd: string, args: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  await run(cmd, args);
  return Number(process.hrtime.bigint() - start) / 1e9;
}


async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: HOST, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${HOST}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function makeSource(path: string): Promise<void> {
  const fh = await open(path, 'w');
  const chunk = Buffer.allocUnsafe(16 * MIB);
  try {
    for (let done = 0; done < sizeMiB * MIB; done += chunk.length) {
      randomFillSync(chunk);
      await fh.write(chunk, 0, Math.min(chunk.length, sizeMiB * MIB - done));
    }
  } finally {
    await fh.close();
  }
}


async function main(): Promise<void> {
  for (const tool of ['nbdcopy', 'nbd-server', 'qemu-img']) {
    if (!['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, tool)))) {
      throw new Error(`${tool} is not installed (apt-get install libnbd-bin nbd-server qemu-utils)`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'bootcast-nbd-bench-'));
  // qemu-img cannot write to /dev/null (it checks the size): give it RAM so the disk stays out of it.
  const shmDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/bootcast-nbd-bench-') : dir;
  const source = join(dir, 'image.iso');
  const pidFile = join(dir, 'nbd-server.pid');
  let ours: NbdServer | undefined;
  let refCpu: CgroupCpuMeter | null = null;
  const killReference = () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // not started, or already gone
    }
  };
  const deadline = setTimeout(() => {
    console.error(`nbd bench: still running after ${DEADLINE_MS / 1000} s, giving up`);
    killReference();
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  process.once('SIGINT', () => {
    killReference();
    process.exit(130);
  });

  try {
    console.log(`source: ${sizeMiB} MiB of random bytes in ${dir}`);
    await makeSource(source);
    await sha256(source); // also warms the page cache, so both servers read from memory
    const sourceHash = await sha256(source);

    ours = new NbdServer({ address: HOST, port: await freePort(), exports: staticExports([{ name: EXPORT, open: () => fileExport(source) }]) });
    await ours.start();

    // nbd-server -d serves exactly one connection and exits (nbdcopy opens several), so it runs as
    // the daemon it is meant to be, with a pid file we kill it by.
    const refPort = await freePort();
    const conf = join(dir, 'nbd-server.conf');
    await writeFile(conf, `[generic]\n    listenaddr = ${HOST}\n    port = ${refPort}\n    allowlist = true\n[${EXPORT}]\n    exportname = ${source}\n    readonly = true\n`);
    refCpu = CgroupCpuMeter.create(`bootcast-nbd-bench-${process.pid}`);
    await run(...(refCpu ? refCpu.wrap('nbd-server', ['-C', conf, '-p', pidFile]) : (['nbd-server', ['-C', conf, '-p', pidFile]] as [string, string[]])));
    await waitForPort(refPort, 10_000);

    const servers = [
      { name: 'bootcast', uri: `nbd://${HOST}:${ours.port}/${EXPORT}` },
      { name: 'nbd-server', uri: `nbd://${HOST}:${refPort}/${EXPORT}` },
    ];

    // Correctness before speed: a benchmark of wrong bytes is worthless.
    const check = join(shmDir, 'check.raw');
    await run('nbdcopy', [servers[0]!.uri, check]);
    const got = await sha256(check);
    await rm(check, { force: true });
    if (got !== sourceHash) throw new Error(`nbdcopy from Bootcast produced sha256 ${got}, source is ${sourceHash}`);

    const scenarios: Array<{ tool: string; args: (uri: string) => [string, string[]]; cleanup?: string }> = [
      { tool: 'nbdcopy → null: (default, multi-conn)', args: (uri) => ['nbdcopy', [uri, 'null:']] },
      { tool: 'nbdcopy → null: (1 connection)', args: (uri) => ['nbdcopy', ['--connections=1', uri, 'null:']] },
      {
        tool: 'qemu-img convert → /dev/shm',
        args: (uri) => ['qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri, join(shmDir, 'out.raw')]],
        cleanup: join(shmDir, 'out.raw'),
      },
    ];
    const results: Result[] = [];
    for (const s of scenarios) for (const srv of servers) results.push({ tool: s.tool, server: srv.name, seconds: [], cpu: [] });
    for (let round = 0; round < rounds; round++) {
      for (const s of scenarios) {
        // Alternate who goes first so neither always meets a warmer or busier machine.
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const srv of order) {
          const [cmd, args] = s.args(srv.uri);
          const cpuOf = () => (srv.name === 'nbd-server' ? (refCpu?.seconds() ?? NaN) : ownCpuSeconds());
          const cpuBefore = cpuOf();
          const secs = await timed(cmd, args);
          if (srv.name === 'nbd-server') await new Promise((r) => setTimeout(r, 200)); // let its per-connection child finish exiting
          const cpu = cpuOf() - cpuBefore;
          if (s.cleanup) await rm(s.cleanup, { force: true });
          const result = results.find((r) => r.tool === s.tool && r.server === srv.name)!;
          result.seconds.push(secs);
          result.cpu.push(cpu);
        }
      }
    }

    const mbps = (secs: number) => (sizeMiB * MIB) / secs / 1e6;
    const best = (xs: number[]) => Math.min(...xs);
    console.log(`\n${sizeMiB} MiB export, ${rounds} rounds each, interleaved; throughput in MB/s`);
    console.log(`${'client'.padEnd(38)} ${'bootcast best/median'.padStart(21)} ${'nbd-server best/median'.padStart(23)}  ratio best/median`);
    let worstBest = Infinity;
    let worstMedian = Infinity;
    for (const s of scenarios) {
      const b = results.find((r) => r.tool === s.tool && r.server === 'bootcast')!;
      const n = results.find((r) => r.tool === s.tool && r.server === 'nbd-server')!;
      const ratioBest = best(n.seconds) / best(b.seconds);
      const ratioMedian = median(n.seconds) / median(b.seconds);
      worstBest = Math.min(worstBest, ratioBest);
      worstMedian = Math.min(worstMedian, ratioMedian);
      const cell = (r: Result) => `${mbps(best(r.seconds)).toFixed(0)} / ${mbps(median(r.seconds)).toFixed(0)}`;
      console.log(`${s.tool.padEnd(38)} ${cell(b).padStart(21)} ${cell(n).padStart(23)}  ${ratioBest.toFixed(2)}× / ${ratioMedian.toFixed(2)}×`);
    }
    console.log(`\nserver CPU seconds per GiB served (median; lower is better; hardly affected by other load)`);
    console.log(`bootcast: process.cpuUsage() (incl. libuv's pread threads); nbd-server: ${refCpu ? `cgroup ${refCpu.dir}` : 'not measured (no writable cgroup)'}`);
    const perGiB = (r: Result) => median(r.cpu) / (sizeMiB / 1024);
    for (const s of refCpu ? scenarios : []) {
      const b = results.find((r) => r.tool === s.tool && r.server === 'bootcast')!;
      const n = results.find((r) => r.tool === s.tool && r.server === 'nbd-server')!;
      console.log(`${s.tool.padEnd(38)} ${perGiB(b).toFixed(2).padStart(21)} ${perGiB(n).toFixed(2).padStart(23)}  ${(perGiB(n) / perGiB(b)).toFixed(2)}×`);
    }
    console.log('');
    for (const r of results) console.log(`  runs ${r.server.padEnd(10)} ${r.tool.padEnd(38)} MB/s ${r.seconds.map((x) => mbps(x).toFixed(0)).join(' ')}  cpu s ${r.cpu.map((x) => x.toFixed(2)).join(' ')}`);
    const verdict = (x: number) => `${x >= 1 ? 'met' : 'NOT met'} (${x.toFixed(2)}×)`;
    console.log(`\ngoal ≥ 1.00× nbd-server, lowest ratio over clients: best runs ${verdict(worstBest)}, medians ${verdict(worstMedian)}`);
  } finally {
    killReference();
    await refCpu?.remove();
    await ours?.stop();
    await rm(dir, { recursive: true, force: true });
    if (shmDir !== dir) await rm(shmDir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
