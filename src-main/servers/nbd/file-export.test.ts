import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileExport } from './file-export.ts';

let dir: string;
const data = randomBytes(300_000);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bootcast-file-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileExport', () => {
  it('reports the file size and reads any byte range at its position', async () => {
    const path = join(dir, 'image.iso');
    await writeFile(path, data);
    const exp = await fileExport(path);
    try {
      expect(exp.size).toBe(data.length);
      expect(Buffer.from(await exp.read(0, 1))).toEqual(data.subarray(0, 1));
      expect(Buffer.from(await exp.read(123_457, 65_536))).toEqual(data.subarray(123_457, 123_457 + 65_536));
      expect(Buffer.from(await exp.read(data.length - 7, 7))).toEqual(data.subarray(data.length - 7));
      // Concurrent reads do not disturb each other (positioned reads, no shared file position).
      const ranges = [0, 50_000, 100_000, 250_000].map((o) => exp.read(o, 40_000));
      const got = await Promise.all(ranges);
      got.forEach((g, i) => expect(Buffer.from(g)).toEqual(data.subarray([0, 50_000, 100_000, 250_000][i]!, [0, 50_000, 100_000, 250_000][i]! + 40_000)));
    } finally {
      await exp.close?.();
    }
  });

  it('fails a read with the path and offsets when the file shrank after opening', async () => {
    const path = join(dir, 'shrinking.iso');
    await writeFile(path, data);
    const exp = await fileExport(path);
    try {
      await truncate(path, 1000);
      await expect(exp.read(500, 1000)).rejects.toThrow(new RegExp(`shrinking\\.iso: file ended at 1000 while reading 1000 bytes at 500`));
    } finally {
      await exp.close?.();
    }
  });

  it('rejects a path that does not exist', async () => {
    await expect(fileExport(join(dir, 'missing.iso'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
