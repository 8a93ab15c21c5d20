/**
 * ISO reader speed beside the standard tools, on a ~5 GB image built here (a 1 GiB file of
 * random bytes, a 4 GiB sparse file stored multi-extent, 2000 small files in 20 directories).
 *
 *   open:        IsoImage.open + list('/'), median of 20 (target: well under 100 ms)
 *   sequential:  streaming the 1 GiB file out of the image vs `cat` of the same file as
 *                xorriso extracted it, both from the page cache (warm) and after dropping the
 *                files' cached pages (cold); ratio = cat time / our time (target ≥ 0.9);
 *                median and best of 7 interleaved runs
 *   random:      2000 reads of 64 KiB at random offsets in the file, vs pread on the extracted copy
 *
 * Everything lives in a temporary directory that is deleted at the end. Disk: ~3 GiB.
 * BOOTCAST_BENCH_ISO_SPARSE_GIB sets the sparse file's size (default 4).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsoImage } from '../src-main/iso/iso-image.ts';
import { median } from './support/median.ts';

const GiB = 1 << 30;
const FILE = GiB;
const SPARSE = Number(process.env['BOOTCAST_BENCH_ISO_SPARSE_GIB'] ?? 4) * GiB;
/** Interleaved runs per measurement; shared CI machines are noisy, so both median and best are printed. */
const RUNS = 7;

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

/** Drops a file's pages from the page cache (GNU dd: iflag=nocache with count=0). */
function dropCache(path: string): void {
  sh(`dd if='${path}' iflag=nocache count=0 status=none`);
}

async function timeCat(path: string): Promise<number> {
  const devnull = openSync('/dev/null', 'w');
  try {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const p = spawn('cat', [path], { stdio: ['ignore', devnull, 'inherit'] });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cat exited ${code}`))));
    });
    return performance.now() - t;
  } finally {
    closeSync(devnull);
  }
}

async function timeStream(img: IsoImage, path: string): Promise<number> {
  const t = performance.now();
  let n = 0;
  for await (const chunk of img.createReadStream(path)) n += (chunk as Buffer).length;
  const ms = performance.now() - t;
  if (n !== FILE) throw new Error(`read ${n} bytes, expected ${FILE}`);
  return ms;
}

const mbps = (bytes: number, ms: number) => `${((bytes / (1 << 20)) / (ms / 1000)).toFixed(0)} MiB/s`;

const work = await mkdtemp(join(tmpdir(), 'bootcast-iso-bench-'));
try {
  const src = join(work, 'src');
  await mkdir(src);
  process.stdout.write('building the image… ');
  const t0 = performance.now();
  const fh = await open(join(src, 'big.bin'), 'w');
  for (let i = 0; i < FILE / (16 << 20); i++) await fh.write(randomBytes(16 << 20));
  await fh.close();
  const sparse = await open(join(src, 'sparse.img'), 'w');
  await sparse.truncate(SPARSE);
  await sparse.close();
  for (let d = 0; d < 20; d++) {
    await mkdir(join(src, 'dir' + d));
    for (let f = 0; f < 100; f++) await writeFile(join(src, 'dir' + d, `file-with-a-long-rock-ridge-name-${f}.txt`), `${d}/${f}\n`);
  }
  const image = join(work, 'bench.iso');
  sh(`xorriso -as mkisofs -quiet -iso-level 3 -R -J -V BENCH -o - '${src}' | dd of='${image}' bs=1M iflag=fullblock conv=sparse status=none`);
  await rm(join(src, 'big.bin')); // the comparison uses xorriso's extraction, not our source
  const extracted = join(work, 'extracted.bin');
  sh(`xorriso -osirrox on -indev '${image}' -extract /big.bin '${extracted}' 2>/dev/null`);
  const st = await stat(image);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${(st.size / 1e9).toFixed(2)} GB image (${(st.blocks * 512 / 1e9).toFixed(2)} GB on disk)`);

  // --- open + list root ---
  const openList = async () => {
    const t = performance.now();
    const img = await IsoImage.open(image);
    const root = await img.list('/');
    const ms = performance.now() - t;
    if (root.length !== 22) throw new Error(`root has ${root.length} entries`);
    await img.close();
    return ms;
  };
  const first = await openList();
  const warmOpens: number[] = [];
  for (let i = 0; i < 20; i++) warmOpens.push(await openList());
  const coldOpens: number[] = [];
  for (let i = 0; i < 5; i++) {
    dropCache(image);
    coldOpens.push(await openList());
  }
  const tx = performance.now();
  sh(`xorriso -indev '${image}' -ls / >/dev/null 2>&1`);
  const xorrisoLs = performance.now() - tx;
  console.log(
    `open + list /         first ${first.toFixed(1)} ms, warm ${median(warmOpens).toFixed(2)} ms (median of 20), cold cache ${median(coldOpens).toFixed(1)} ms (median of 5); xorriso -indev -ls / as a process: ${xorrisoLs.toFixed(0)} ms`,
  );

  // --- sequential ---
  const img = await IsoImage.open(image);
  const rss0 = process.memoryUsage().rss;
  for (const mode of ['warm', 'cold'] as const) {
    const ours: number[] = [];
    const cats: number[] = [];
    if (mode === 'warm') {
      await timeCat(extracted); // fill the cache for both files
      await timeStream(img, '/big.bin');
    }
    for (let i = 0; i < RUNS; i++) {
      if (mode === 'cold') {
        dropCache(extracted);
        dropCache(image);
      }
      cats.push(await timeCat(extracted));
      if (mode === 'cold') dropCache(image);
      ours.push(await timeStream(img, '/big.bin'));
    }
    const c = median(cats), o = median(ours);
    const cb = Math.min(...cats), ob = Math.min(...ours);
    console.log(
      `sequential 1 GiB (${mode}) median: bootcast ${mbps(FILE, o)}, cat ${mbps(FILE, c)}, ratio ${(c / o).toFixed(2)}× cat   best: bootcast ${mbps(FILE, ob)}, cat ${mbps(FILE, cb)}, ratio ${(cb / ob).toFixed(2)}× cat  [${RUNS} interleaved runs]`,
    );
  }
  console.log(`memory: rss grew ${((process.memoryUsage().rss - rss0) / (1 << 20)).toFixed(1)} MiB while streaming 6 GiB`);

  // --- random 64 KiB reads (warm cache; a warm-up round first, then the three ways interleaved) ---
  const N = 2000;
  const entry = (await img.stat('/big.bin'))!;
  const base = entry.extents[0]!.sector * 2048;
  const ext = await open(extracted);
  const buf = Buffer.alloc(65536);
  const ways = {
    pread: async (off: number) => void (await ext.read(buf, 0, 65536, off)),
    stream: async (off: number) => {
      for await (const _ of img.createReadStream(entry, off, off + 65535)) void _;
    },
    readAt: async (off: number) => void (await img.readAt(base + off, 65536)),
  };
  const totals = { pread: 0, stream: 0, readAt: 0 };
  for (let round = 0; round < 2; round++) {
    const offsets = Array.from({ length: round === 0 ? 200 : N }, () => Math.floor(Math.random() * (FILE - 65536)));
    for (const [name, fn] of Object.entries(ways) as [keyof typeof ways, (o: number) => Promise<void>][]) {
      const t = performance.now();
      for (const off of offsets) await fn(off);
      if (round === 1) totals[name] = performance.now() - t;
    }
  }
  await ext.close();
  const us = (ms: number) => `${((ms / N) * 1000).toFixed(0)} µs`;
  console.log(
    `random 64 KiB × ${N}    createReadStream ${us(totals.stream)}/read (${mbps(N * 65536, totals.stream)})   readAt ${us(totals.readAt)}   pread on the extracted file ${us(totals.pread)}   ratio: stream ${(totals.pread / totals.stream).toFixed(2)}×, readAt ${(totals.pread / totals.readAt).toFixed(2)}× pread`,
  );
  await img.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
