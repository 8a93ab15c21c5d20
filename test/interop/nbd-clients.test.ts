import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NbdServer, fileExport, staticExports, type NbdConnectEvent, type NbdDisconnectEvent } from '../../src-main/servers/nbd/index.ts';

/**
 * Real NBD clients nobody here wrote (libnbd's nbdinfo/nbdcopy, QEMU's qemu-img/qemu-nbd)
 * against NbdServer on loopback, exporting a 64 MiB file of random bytes.
 */
const run = promisify(execFile);
const tools = ['nbdinfo', 'nbdcopy', 'qemu-img', 'qemu-nbd'];
const missing = tools.filter((t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe.skipIf(missing.length > 0)('real NBD clients against NbdServer', () => {
  const SIZE = 64 * 1024 * 1024;
  let dir = '';
  let source = '';
  let sourceHash = '';
  let server: NbdServer;
  let uri = '';
  const connects: NbdConnectEvent[] = [];
  const disconnects: NbdDisconnectEvent[] = [];
  let live = 0;
  let maxLive = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bootcast-nbd-interop-'));
    source = join(dir, 'image.iso');
    await writeFile(source, randomFillSync(Buffer.allocUnsafe(SIZE)));
    sourceHash = await sha256(source);
    server = new NbdServer({
      address: '127.0.0.1',
      port: 0,
      exports: staticExports([
        { name: 'archlinux-2024.01.01', description: 'Arch Linux live (test image)', open: () => fileExport(source) },
        { name: 'second', open: () => fileExport(source) },
      ]),
    });
    server.events.on('connect', (e) => {
      connects.push(e);
      maxLive = Math.max(maxLive, ++live);
    });
    server.events.on('disconnect', (e) => {
      disconnects.push(e);
      live--;
    });
    await server.start();
    uri = `nbd://127.0.0.1:${server.port}/archlinux-2024.01.01`;
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('nbdinfo reports the size, read-only, multi-conn and flush', async () => {
    const { stdout } = await run('nbdinfo', ['--json', uri]);
    const info = JSON.parse(stdout) as { protocol: string; exports: Array<Record<string, unknown>> };
    expect(info.protocol).toBe('newstyle-fixed');
    expect(info.exports[0]).toMatchObject({
      'export-name': 'archlinux-2024.01.01',
      description: 'Arch Linux live (test image)',
      'export-size': SIZE,
      is_read_only: true,
      can_multi_conn: true,
      can_flush: true,
      can_trim: false,
      can_zero: false,
      block_size_minimum: 1,
      block_size_preferred: 4096,
      block_size_maximum: 32 * 1024 * 1024,
    });
  });

  it('nbdinfo --list shows every export with its description', async () => {
    const { stdout } = await run('nbdinfo', ['--list', '--json', `nbd://127.0.0.1:${server.port}`]);
    const info = JSON.parse(stdout) as { exports: Array<{ 'export-name': string; description?: string; 'export-size': number }> };
    expect(info.exports.map((e) => [e['export-name'], e.description, e['export-size']])).toEqual([
      ['archlinux-2024.01.01', 'Arch Linux live (test image)', SIZE],
      ['second', undefined, SIZE],
    ]);
  });

  it('nbdinfo fails for an export that does not exist', async () => {
    const err = (await run('nbdinfo', [`nbd://127.0.0.1:${server.port}/nope`]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).not.toBe(0);
    // libnbd maps NBD_REP_ERR_UNKNOWN to ENOENT.
    expect(err.stderr).toMatch(/nbd_opt_go: server replied with error.*No such file or directory for export: nope/);
  });

  it('nbdcopy copies the whole export, byte for byte', async () => {
    const out = join(dir, 'nbdcopy.out');
    await run('nbdcopy', [uri, out]);
    expect(await sha256(out)).toBe(sourceHash);
  });

  it('nbdcopy over four connections at once copies it byte for byte', async () => {
    const out = join(dir, 'nbdcopy4.out');
    const before = connects.length;
    maxLive = 0;
    // nbdcopy opens at most one connection per thread; ask for four of each.
    await run('nbdcopy', ['--connections=4', '--threads=4', '--requests=16', uri, out]);
    expect(await sha256(out)).toBe(sourceHash);
    expect(connects.length - before).toBe(4);
    expect(maxLive).toBe(4);
  });

  it('qemu-img info and convert see the same size and bytes', async () => {
    const { stdout } = await run('qemu-img', ['info', '--output=json', uri]);
    expect(JSON.parse(stdout)).toMatchObject({ 'virtual-size': SIZE, format: 'raw' });
    const out = join(dir, 'qemu.raw');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri, out]);
    expect(await sha256(out)).toBe(sourceHash);
  });

  it('qemu-nbd --list shows exports, sizes and read-only flags', async () => {
    const { stdout } = await run('qemu-nbd', ['--list', '-b', '127.0.0.1', '-p', String(server.port)]);
    expect(stdout).toMatch(/exports available: 2/);
    expect(stdout).toMatch(/export: 'archlinux-2024\.01\.01'\s+description: Arch Linux live \(test image\)\s+size:\s+67108864\s+flags: 0x107 \( readonly flush multi \)/);
    expect(stdout).toMatch(/export: 'second'/);
  });

  it('serves different clients on several connections at once', async () => {
    const outs = [join(dir, 'p1.out'), join(dir, 'p2.out'), join(dir, 'p3.out')];
    const secondUri = `nbd://127.0.0.1:${server.port}/second`;
    await Promise.all([
      run('nbdcopy', [uri, outs[0]!]),
      run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', secondUri, outs[1]!]),
      run('nbdcopy', ['--connections=2', secondUri, outs[2]!]),
      run('nbdinfo', ['--size', uri]).then(({ stdout }) => expect(stdout.trim()).toBe(String(SIZE))),
    ]);
    for (const out of outs) expect(await sha256(out)).toBe(sourceHash);
  });

  it('reports each session on disconnect with its export and byte count', () => {
    const copies = disconnects.filter((d) => d.bytesRead === SIZE);
    expect(copies.length).toBeGreaterThanOrEqual(3);
    for (const d of disconnects) {
      expect(d.reason).toBe('disc');
      expect(d.remoteAddress).toBe('127.0.0.1');
      expect(['archlinux-2024.01.01', 'second']).toContain(d.export);
    }
  });
});

if (missing.length > 0) describe('real NBD clients against NbdServer', () => it.skip(`not installed: ${missing.join(', ')}`, () => {}));
