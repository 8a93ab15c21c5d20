import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esxiTreePath, imageFileUrl } from '../../src-main/boot/image-urls.ts';
import { BootFiles } from '../../src-main/engine/boot-files.ts';
import type { ImageLibrary } from '../../src-main/engine/image-library.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';

/**
 * What ESXi's mboot.efi fetches over HTTP from an ESXi-layout ISO (built with xorriso, read
 * by the real ISO reader): boot.cfg rewritten beside the modules, and each module by the relative
 * name the rewritten boot.cfg gives it, whatever case the ISO stores it in.
 */
const work = mkdtempSync(join(tmpdir(), 'bootcast-esxi-'));
let iso: IsoImage;
let files: BootFiles;

beforeAll(async () => {
  const root = join(work, 'root');
  mkdirSync(join(root, 'EFI/BOOT'), { recursive: true });
  writeFileSync(join(root, 'boot.cfg'), 'bootstate=0\nprefix=\nkernel=/b.b00\nkernelopt=runweasel cdromBoot\nmodules=/jumpstrt.gz --- /features.gz\n');
  writeFileSync(join(root, 'B.B00'), 'kernel bytes');
  writeFileSync(join(root, 'JUMPSTRT.GZ'), 'jumpstart');
  writeFileSync(join(root, 'FEATURES.GZ'), 'features');
  writeFileSync(join(root, 'EFI/BOOT/BOOTX64.EFI'), 'mboot.efi');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-iso-level', '3', '-J', '-V', 'ESXI-8.0.3', '-o', join(work, 'esxi.iso'), root], { stdio: 'pipe' });
  iso = await IsoImage.open(join(work, 'esxi.iso'));
  const get = (id: string) => (id === 'esxi' ? { iso, info: { path: join(work, 'esxi.iso') } } : undefined);
  const library = { get, current: async (id: string) => get(id), list: () => [] } as unknown as ImageLibrary;
  files = new BootFiles({ library, resourcesDir: work, bootScript: () => '', grubConfig: () => '' });
});
afterAll(async () => {
  await iso?.close();
  rmSync(work, { recursive: true, force: true });
});

async function fetch(innerPath: string): Promise<string | null> {
  const path = decodeURIComponent(new URL(imageFileUrl('http://198.18.0.1', 'esxi', innerPath)).pathname);
  const f = await files.resolve(path, { protocol: 'http', remoteAddress: '198.18.0.50' });
  if (!f) return null;
  const parts: Buffer[] = [];
  for await (const c of f.createReadStream(0, f.size - 1)) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

describe('the ESXi tree Bootcast serves to mboot.efi', () => {
  it('has boot.cfg rewritten: no prefix, relative modules, no cdromBoot', async () => {
    expect(await fetch(esxiTreePath('/boot.cfg'))).toBe('bootstate=0\nkernel=b.b00\nkernelopt=runweasel\nmodules=jumpstrt.gz --- features.gz\n');
  });

  it('serves each module by the relative name boot.cfg now gives it', async () => {
    expect(await fetch(esxiTreePath('/b.b00'))).toBe('kernel bytes');
    expect(await fetch(esxiTreePath('/features.gz'))).toBe('features');
    expect(await fetch(esxiTreePath('/missing.gz'))).toBeNull();
  });

  it('leaves the image\'s own boot.cfg untouched at its own path', async () => {
    expect(await fetch('/boot.cfg')).toContain('prefix=\nkernel=/b.b00');
  });
});
