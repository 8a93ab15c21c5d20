import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageFileUrl, isoInInitrdPath } from '../../src-main/boot/image-urls.ts';
import { BootFiles } from '../../src-main/engine/boot-files.ts';
import type { ImageLibrary } from '../../src-main/engine/image-library.ts';
import { isoInInitrdFile } from '../../src-main/engine/iso-in-initrd-file.ts';
import { entryHeader } from '../../src-main/protocol/cpio/newc.ts';

/**
 * The ISO-in-initrd archive Bootcast streams (a newc cpio holding the whole image at /<name>), read
 * back by GNU cpio — the format the kernel's initramfs unpacker shares — whole and in ranges.
 */
const work = mkdtempSync(join(tmpdir(), 'bootcast-iso-in-initrd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('ISO-in-initrd archive', () => {
  it.each([0, 1, 4093, 65_537])('GNU cpio unpacks a %i-byte image from it byte for byte, at the requested name', async (size) => {
    const image = join(work, `img-${size}.iso`);
    writeFileSync(image, Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff)));
    const file = (await isoInInitrdFile(image, 'proxmox.iso'))!;
    expect(file.size % 4).toBe(0);
    const archive = await collect(file.createReadStream(0, file.size - 1));
    expect(archive.byteLength).toBe(file.size);
    const out = join(work, `out-${size}`);
    execFileSync('mkdir', ['-p', out]);
    execFileSync('cpio', ['-idv', '--quiet', '-D', out], { input: archive, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(readFileSync(join(out, 'proxmox.iso')).equals(readFileSync(image))).toBe(true);
    expect(statSync(join(out, 'proxmox.iso')).size).toBe(size);
  });

  it('serves any byte range exactly, across header, image and trailer', async () => {
    const image = join(work, 'ranges.iso');
    writeFileSync(image, Buffer.from(Array.from({ length: 10_001 }, (_, i) => i & 0xff)));
    const file = (await isoInInitrdFile(image, 'x.iso'))!;
    const whole = await collect(file.createReadStream(0, file.size - 1));
    for (const [a, b] of [[0, 0], [0, 119], [100, 200], [118, 10_200], [10_100, file.size - 1], [file.size - 1, file.size - 1]] as const) {
      const part = await collect(file.createReadStream(a, b));
      expect(part.equals(whole.subarray(a, b + 1)), `${a}-${b}`).toBe(true);
    }
  });

  it('is what the engine serves at the URL a plan\'s generated initrd renders to', async () => {
    const image = join(work, 'pve.iso');
    writeFileSync(image, 'pretend ISO bytes');
    const get = (id: string) => (id === 'pve' ? { iso: {}, info: { path: image } } : undefined);
    const library = { get, current: async (id: string) => get(id), list: () => [] } as unknown as ImageLibrary;
    const files = new BootFiles({ library, resourcesDir: work, bootScript: () => '', grubConfig: () => '' });
    const url = new URL(imageFileUrl('http://198.18.0.1', 'pve', isoInInitrdPath('proxmox.iso')));
    expect(url.pathname).toBe('/images/pve/%5Bbootcast%5D/iso-in-initrd/proxmox.iso.cpio');
    const served = (await files.resolve(decodeURIComponent(url.pathname), { protocol: 'http', remoteAddress: '198.18.0.50' }))!;
    const out = join(work, 'served');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('cpio', ['-id', '--quiet', '-D', out], { input: await collect(served.createReadStream(0, served.size - 1)) });
    expect(readFileSync(join(out, 'proxmox.iso'), 'utf8')).toBe('pretend ISO bytes');
  });

  it('refuses names and sizes newc cannot hold', () => {
    expect(() => entryHeader({ name: '/abs', mode: 0o100644, size: 1 })).toThrow(RangeError);
    expect(() => entryHeader({ name: 'big', mode: 0o100644, size: 2 ** 32 })).toThrow(/filesize 4294967296 does not fit/);
  });
});
