import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { EventLog } from './event-log.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bootcast-eventlog-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const event = (n: number): TimelineEvent => ({
  ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
  kind: 'tftp.progress',
  client: '52:54:00:12:34:56',
  ip: '198.18.0.50',
  path: '/undionly.kpxe',
  bytes: n,
});
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('EventLog', () => {
  it('appends events as JSON lines under <dataDir>/logs, in the events format', async () => {
    const log = await EventLog.open({ dataDir: dir });
    log.append(event(1));
    log.append(event(2));
    await log.flush();
    const text = await readFile(join(dir, 'logs', 'events.jsonl'), 'utf8');
    expect(lines(text)).toEqual([
      '{"ts":"2026-01-01T00:00:00.001Z","client":"52:54:00:12:34:56","ip":"198.18.0.50","kind":"tftp.progress","path":"/undionly.kpxe","bytes":1}',
      '{"ts":"2026-01-01T00:00:00.002Z","client":"52:54:00:12:34:56","ip":"198.18.0.50","kind":"tftp.progress","path":"/undionly.kpxe","bytes":2}',
    ]);
    await log.close();
  });

  it('only buffers on append, and writes on its own after the flush interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const log = await EventLog.open({ dataDir: dir, flushIntervalMs: 500 });
    log.append(event(1));
    await log.settled();
    await expect(stat(log.path)).rejects.toThrow(/ENOENT/);
    vi.advanceTimersByTime(500);
    await log.settled();
    expect(lines(await readFile(log.path, 'utf8'))).toHaveLength(1);
    await log.close();
  });

  it('writes at once when the buffer fills up', async () => {
    const log = await EventLog.open({ dataDir: dir, flushIntervalMs: 3_600_000, maxBufferBytes: 1000 });
    for (let i = 0; i < 20; i++) log.append(event(i));
    await log.settled();
    // Written without a flush() or the (hour-long) timer; the tail after the last full buffer waits.
    const written = lines(await readFile(log.path, 'utf8')).length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(20);
    await log.close();
  });

  it('rotates by size and keeps only the configured number of files, every line intact', async () => {
    const log = await EventLog.open({ dataDir: dir, maxBytes: 2000, maxFiles: 3 });
    for (let i = 0; i < 200; i++) log.append(event(i));
    await log.flush();
    const files = (await readdir(join(dir, 'logs'))).sort();
    expect(files).toEqual(['events.1.jsonl', 'events.2.jsonl', 'events.jsonl']);
    const kept: string[] = [];
    for (const f of ['events.2.jsonl', 'events.1.jsonl', 'events.jsonl']) {
      const text = await readFile(join(dir, 'logs', f), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
      kept.push(...lines(text));
    }
    const ns = kept.map((l) => (JSON.parse(l) as { bytes: number }).bytes);
    // The newest lines survive, consecutive, ending with the last one.
    expect(ns.at(-1)).toBe(199);
    expect(ns).toEqual(ns.map((_, i) => 199 - (ns.length - 1) + i));
    await log.close();
  });

  it('exports only this session, continuing a file left by an earlier one', async () => {
    await mkdir(join(dir, 'logs'), { recursive: true });
    await writeFile(join(dir, 'logs', 'events.jsonl'), '{"ts":"2025-12-31T23:59:59.000Z","kind":"dhcp.discover"}\n');
    const log = await EventLog.open({ dataDir: dir });
    log.append(event(1));
    log.append(event(2));
    const text = await log.exportText();
    expect(lines(text).map((l) => (JSON.parse(l) as { bytes: number }).bytes)).toEqual([1, 2]);
    expect(lines(await readFile(log.path, 'utf8'))).toHaveLength(3);
    await log.close();
  });

  it('exports the whole session across rotations', async () => {
    await mkdir(join(dir, 'logs'), { recursive: true });
    await writeFile(join(dir, 'logs', 'events.jsonl'), '{"ts":"2025-12-31T23:59:59.000Z","kind":"dhcp.discover"}\n');
    const log = await EventLog.open({ dataDir: dir, maxBytes: 1500, maxFiles: 10 });
    for (let i = 0; i < 40; i++) log.append(event(i));
    const text = await log.exportText();
    expect(lines(text).map((l) => (JSON.parse(l) as { bytes: number }).bytes)).toEqual([...Array(40).keys()]);
    await log.close();
  });

  it('exports what is left when rotation has already dropped the session’s start', async () => {
    const log = await EventLog.open({ dataDir: dir, maxBytes: 1000, maxFiles: 2 });
    for (let i = 0; i < 100; i++) log.append(event(i));
    const ns = lines(await log.exportText()).map((l) => (JSON.parse(l) as { bytes: number }).bytes);
    expect(ns.at(-1)).toBe(99);
    expect(ns.length).toBeGreaterThan(0);
    expect(ns.length).toBeLessThan(100);
    await log.close();
  });

  it('reports a failed write without throwing, and carries on', async () => {
    await mkdir(join(dir, 'logs', 'events.jsonl'), { recursive: true });
    const errors: Error[] = [];
    const log = await EventLog.open({ dataDir: dir, onError: (e) => errors.push(e) });
    log.append(event(1));
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('events.jsonl');
    expect(log.errors).toBe(1);
    await log.close();
  });

  it('says what to do when the data directory cannot hold logs', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(EventLog.open({ dataDir: file })).rejects.toThrow(/--data-dir/);
  });

  it('writes what was appended before close, and nothing after', async () => {
    const log = await EventLog.open({ dataDir: dir });
    log.append(event(1));
    await log.close();
    log.append(event(2));
    await log.flush();
    expect(lines(await readFile(log.path, 'utf8'))).toHaveLength(1);
  });
});
