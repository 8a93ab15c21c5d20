import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { EventLinesWriter, formatEventLine } from './event-lines.ts';

/** The writer's format does not depend on which fields a kind carries: short events read better here. */
const e = (fields: object): TimelineEvent => fields as TimelineEvent;

describe('formatEventLine', () => {
  it('puts ts, client, ip and kind first, in that order, then the details', () => {
    const line = formatEventLine({ path: '/boot.ipxe', kind: 'http.start', ip: '198.18.0.50', client: '52:54:00:12:34:56', ts: '2026-01-01T00:00:00.000Z' } as never);
    expect(line).toBe('{"ts":"2026-01-01T00:00:00.000Z","client":"52:54:00:12:34:56","ip":"198.18.0.50","kind":"http.start","path":"/boot.ipxe"}');
  });

  it('writes the MAC lowercase and colon-separated', () => {
    const line = formatEventLine(e({ ts: 't', kind: 'dhcp.discover', client: '52-54-00-AB-CD-EF' }));
    expect(JSON.parse(line).client).toBe('52:54:00:ab:cd:ef');
  });

  it('leaves out what is absent', () => {
    expect(formatEventLine(e({ ts: 't', kind: 'nat.changed', client: undefined, message: 'on' }))).toBe('{"ts":"t","kind":"nat.changed","message":"on"}');
  });

  it('writes query parameters as an object and survives details that cannot be serialised', () => {
    expect(JSON.parse(formatEventLine(e({ ts: 't', kind: 'http.start', query: new URLSearchParams('mac=aa&arch=x86_64') }))).query).toEqual({ mac: 'aa', arch: 'x86_64' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const line = JSON.parse(formatEventLine(e({ ts: 't', kind: 'http.start', client: '52:54:00:12:34:56', cyclic })));
    expect(line).toMatchObject({ ts: 't', kind: 'http.start', client: '52:54:00:12:34:56' });
    expect(line.detailError).toMatch(/circular/i);
  });
});

describe('EventLinesWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bootcast-events-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per event to a file, replacing what was there', async () => {
    const file = join(dir, 'events.jsonl');
    for (let round = 0; round < 2; round++) {
      const w = await EventLinesWriter.open(file);
      w.write(e({ ts: 'a', kind: 'dhcp.discover', client: '52:54:00:12:34:56' }));
      w.write(e({ ts: 'b', kind: 'dhcp.offer', client: '52:54:00:12:34:56', ip: '198.18.0.50' }));
      await w.close();
    }
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      '{"ts":"a","client":"52:54:00:12:34:56","kind":"dhcp.discover"}',
      '{"ts":"b","client":"52:54:00:12:34:56","ip":"198.18.0.50","kind":"dhcp.offer"}',
      '',
    ]);
  });

  it('writes to standard output for "-", and leaves it open', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const w = await EventLinesWriter.open('-', { stdout: out });
    w.write(e({ ts: 'a', kind: 'tftp.start', client: '52:54:00:12:34:56' }));
    await w.close();
    expect(chunks.join('')).toBe('{"ts":"a","client":"52:54:00:12:34:56","kind":"tftp.start"}\n');
    expect(out.writableEnded).toBe(false);
  });

  it('stops quietly, telling once, when the reader goes away', async () => {
    const errors: Error[] = [];
    let writes = 0;
    const broken = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const w = await EventLinesWriter.open('-', { stdout: broken, onError: (e) => errors.push(e) });
    w.write(e({ ts: 'a', kind: 'tftp.start' }));
    await new Promise((r) => setImmediate(r));
    w.write(e({ ts: 'b', kind: 'tftp.done' }));
    await w.close();
    expect(errors.map((e) => e.message)).toEqual(['write EPIPE']);
    expect(writes).toBe(1);
  });

  it('says what to do when the file cannot be written', async () => {
    await expect(EventLinesWriter.open(join(dir, 'missing', 'x.jsonl'))).rejects.toThrow(/writable path, or '-'/);
  });
});
