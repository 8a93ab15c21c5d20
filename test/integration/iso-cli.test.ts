import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskTree, EL_TORITO_ARGS, extract, IPXE_ISO, makeSourceTree, mkisofs, run } from '../support/iso-fixtures.ts';

const BIN = resolve(import.meta.dirname, '../../bin/bootcast.mjs');
let work: string;
let image: string;

function bootcast(...args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-iso-cli-'));
  await makeSourceTree(join(work, 'src'));
  image = join(work, 'fixture.iso');
  mkisofs(['-R', '-J', '-V', 'CLI_FIXTURE', ...EL_TORITO_ARGS, '-o', image, join(work, 'src')]);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('bootcast iso ls', () => {
  it('lists the root with types, sizes and the El Torito directory, exit 0', () => {
    const r = bootcast('iso', 'ls', image);
    expect(r.status).toBe(0);
    const lines = r.stdout.toString().split('\n');
    expect(lines).toContain('d       0  [BOOT]/');
    expect(lines.some((l) => /^- +3145851 {2}random\.bin$/.test(l))).toBe(true);
    expect(lines.some((l) => /^l +0 {2}shortcut -> level1\/level2$/.test(l))).toBe(true);
    expect(lines.some((l) => /^d +\d+ {2}casper\/$/.test(l))).toBe(true);
  });

  it('lists recursively as JSON exactly the paths xorriso extracts, plus /[BOOT]', async () => {
    const r = bootcast('iso', 'ls', image, '/', '-R', '--json');
    expect(r.status).toBe(0);
    const entries = JSON.parse(r.stdout.toString()) as { path: string; kind: string; size: number }[];
    const dest = join(work, 'extracted');
    extract(image, dest);
    const expected = [...(await diskTree(dest)).keys()].sort();
    const listed = entries.map((e) => e.path).filter((p) => !p.startsWith('/[BOOT]'));
    expect(listed.sort()).toEqual(expected);
    expect(entries.filter((e) => e.path.startsWith('/[BOOT]/')).map((e) => e.path)).toEqual(['/[BOOT]/bios.img', '/[BOOT]/uefi.img']);
  });

  it('exits 1 naming the file when the image itself does not exist, for info, ls and cat alike', () => {
    const missing = join(work, 'no-such.iso');
    for (const args of [['info', missing], ['ls', missing], ['cat', missing, '/x']]) {
      const r = bootcast('iso', ...args);
      expect(r.status).toBe(1);
      expect(r.stderr.toString()).toContain(`image not found: ${missing}`);
    }
  });

  it('exits 1 with a message on stderr when the path is not in the image', () => {
    const r = bootcast('iso', 'ls', image, '/no/such/dir');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${image}: no /no/such/dir in the image`);
    expect(r.stdout.length).toBe(0);
  });

  it("lists Debian's ipxe.iso, an image nobody here built, as xorriso sees it", async () => {
    const r = bootcast('iso', 'ls', IPXE_ISO, '--json');
    expect(r.status).toBe(0);
    const names = (JSON.parse(r.stdout.toString()) as { name: string }[]).map((e) => e.name);
    const dest = join(work, 'ipxe');
    extract(IPXE_ISO, dest);
    const top = [...(await diskTree(dest)).keys()].filter((p) => p.lastIndexOf('/') === 0).map((p) => p.slice(1));
    expect(names.filter((n) => n !== '[BOOT]').sort()).toEqual(top.sort());
  });
});

describe('bootcast iso cat', () => {
  it('writes the file bytes to stdout', async () => {
    const r = bootcast('iso', 'cat', image, '/random.bin');
    expect(r.status).toBe(0);
    const expected = await readFile(join(work, 'src', 'random.bin'));
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  it('reads El Torito images and follows symlinks', async () => {
    const uefi = bootcast('iso', 'cat', image, '/[BOOT]/uefi.img');
    expect(uefi.stdout.equals(await readFile(join(work, 'src', 'EFI', 'efiboot.img')))).toBe(true);
    const deep = bootcast('iso', 'cat', image, '/shortcut/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12/deep.txt');
    expect(deep.stdout.toString()).toBe('twelve levels down\n');
  });

  it('ends quietly with exit 0 when the reader closes the pipe early', async () => {
    const child = spawn(process.execPath, [BIN, 'iso', 'cat', image, '/random.bin'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((done) => child.stdout.once('data', () => done()));
    child.stdout.destroy(); // like `| head -c 100`
    const status = await new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });

  it('exits 1 for a missing file and 2 for a directory', () => {
    expect(bootcast('iso', 'cat', image, '/missing').status).toBe(1);
    const dir = bootcast('iso', 'cat', image, '/casper');
    expect(dir.status).toBe(2);
    expect(dir.stderr).toContain('is a directory');
  });
});

describe('bootcast iso info', () => {
  it('prints the volume, El Torito images and boot files', () => {
    const r = bootcast('iso', 'info', image);
    expect(r.status).toBe(0);
    const out = r.stdout.toString();
    expect(out).toMatch(/^Volume id +CLI_FIXTURE$/m);
    expect(out).toMatch(/^Names +Rock Ridge \(image also has Joliet\)$/m);
    expect(out).toMatch(/\/\[BOOT\]\/uefi\.img +uefi +no-emulation +bootable/);
    expect(out).toMatch(/kernel +\/casper\/vmlinuz +70000/);
    expect(out).toMatch(/bootloader-config +\/isolinux\/isolinux\.cfg/);
  });

  it('prints the summary as JSON with --json', () => {
    const r = bootcast('iso', 'info', IPXE_ISO, '--json');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout.toString());
    expect(s).toMatchObject({ volumeId: 'ISOIMAGE', rockRidge: true, hybrid: { mbr: true } });
    expect(s.elTorito.images).toHaveLength(2);
  });

  it('exits 2 naming the file when it is not an ISO image', () => {
    const r = bootcast('iso', 'info', BIN);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${BIN}: not an ISO 9660 image`);
  });

  it('reads a UDF-only image and says which file system it read', () => {
    const udf = join(work, 'udf.img');
    run('mkudffs', ['--media-type=dvd', '--blocksize=2048', udf, '2048']);
    const r = bootcast('iso', 'info', udf);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/File system\s+UDF 2\.01 \(no ISO 9660 side\)/);
  });

  it('exits 2 naming the damaged UDF structure', () => {
    const udf = join(work, 'udf-bad.img');
    run('mkudffs', ['--media-type=dvd', '--blocksize=2048', udf, '2048']);
    // The anchor's CRC-protected body: one flipped byte and every copy of it is refused.
    for (const sector of [256, 2047, 2047 - 256]) run('sh', ['-c', `printf '\\377' | dd of='${udf}' bs=1 seek=${sector * 2048 + 20} conv=notrunc status=none`]);
    const r = bootcast('iso', 'info', udf);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('UDF: anchor volume descriptor pointer at sector 256: descriptor CRC is wrong');
  });
});

describe('bootcast iso usage', () => {
  it('prints help with exit 0', () => {
    const r = bootcast('iso', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain('bootcast iso ls IMAGE [PATH] [-R] [--json]');
  });

  it('exits 2 with the usage for a missing image, an unknown option or command', () => {
    for (const args of [['iso', 'info'], ['iso', 'ls', image, '--bogus'], ['iso', 'frobnicate'], ['iso']]) {
      const r = bootcast(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('Usage: bootcast iso');
    }
  });
});
