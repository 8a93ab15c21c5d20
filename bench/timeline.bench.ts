/**
 * Cost of the per-client timeline on the event path, beside the cheapest thing the engine does
 * with every event anyway (JSON.stringify), in the same run:
 *
 *   model:      ClientTimeline.ingest over 256 clients downloading files (start, 2× progress, done)
 *   lines:      formatEventLine (the --events / log line) vs JSON.stringify of the same event
 *   log:        EventLog.append + flush (buffered, rotated at 10 MiB) vs one writeFile of all the
 *               JSON.stringify lines (the floor for getting those bytes to disk)
 *
 * Each is printed as events per second and as a ratio to its yardstick (ours / yardstick time;
 * lower is better). Real load is a couple of thousand events per second at most (servers
 * rate-limit progress to 4 per second per transfer), so the goal is tenfold headroom: the model
 * at ≥ 20 000 events/s even on a loaded machine.
 * BENCH_TIMELINE_EVENTS sets the event count (default 200000). Temporary files are removed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog } from '../src-main/engine/event-log.ts';
import { formatEventLine } from '../src-main/engine/event-lines.ts';
import { ClientTimeline } from '../src-main/engine/timeline/client-timeline.ts';
import type { TimelineEvent } from '../src-main/shared/timeline-event.ts';
import { median } from './support/median.ts';

const N = Number(process.env.BENCH_TIMELINE_EVENTS ?? 200_000);
const ROUNDS = 3;

function makeEvents(): TimelineEvent[] {
  const macs = Array.from({ length: 256 }, (_, i) => `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`);
  const t0 = Date.now();
  const kinds = ['http.start', 'http.progress', 'http.progress', 'http.done'] as const;
  return Array.from({ length: N }, (_, i) => {
    const c = i % 256;
    const n = Math.floor(i / 256);
    const tr = Math.floor(n / 4);
    return { ts: new Date(t0 + i).toISOString(), kind: kinds[n % 4]!, client: macs[c], ip: `198.18.1.${c}`, path: `/images/a/f${tr % 10}`, bytes: (n % 4) * 100_000, total: 300_000, transferId: `${c}-${tr}` };
  });
}

function time(fn: () => void): number {
  const s = performance.now();
  fn();
  return performance.now() - s;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}

const rate = (ms: number) => `${Math.round((N / ms) * 1000).toLocaleString('en')} /s`;

const events = makeEvents();
const dir = await mkdtemp(join(tmpdir(), 'bootcast-bench-timeline-'));
try {
  const model: number[] = [];
  const lines: number[] = [];
  const stringify: number[] = [];
  const log: number[] = [];
  const floor: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const tl = new ClientTimeline();
    model.push(time(() => events.forEach((e) => tl.ingest(e))));
    tl.dispose();
    let sink = 0;
    stringify.push(time(() => events.forEach((e) => (sink += JSON.stringify(e).length))));
    lines.push(time(() => events.forEach((e) => (sink += formatEventLine(e).length))));
    const el = await EventLog.open({ dataDir: join(dir, `log${r}`) });
    log.push(await timeAsync(async () => {
      for (const e of events) el.append(e);
      await el.flush();
    }));
    await el.close();
    floor.push(await timeAsync(() => writeFile(join(dir, `floor${r}.jsonl`), events.map((e) => JSON.stringify(e) + '\n').join(''))));
    if (sink < 0) console.log(sink);
  }
  const m = median(model);
  const s = median(stringify);
  const l = median(lines);
  const g = median(log);
  const f = median(floor);
  console.log(`events: ${N} over 256 clients, median of ${ROUNDS} rounds`);
  console.log(`model   ClientTimeline.ingest  ${rate(m).padStart(14)}   ratio to JSON.stringify ${(m / s).toFixed(2)}`);
  console.log(`lines   formatEventLine        ${rate(l).padStart(14)}   ratio to JSON.stringify ${(l / s).toFixed(2)}`);
  console.log(`log     EventLog append+flush  ${rate(g).padStart(14)}   ratio to one writeFile  ${(g / f).toFixed(2)}`);
  console.log(`yardstick JSON.stringify       ${rate(s).padStart(14)}`);
  if ((N / m) * 1000 < 20_000) console.log('below the 20 000 events/s goal for the model');
} finally {
  await rm(dir, { recursive: true, force: true });
}
