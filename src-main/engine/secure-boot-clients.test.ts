import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecureBootClientChooser, type ChooseInput } from './secure-boot-clients.ts';

const MAC = '52:54:00:12:34:56';
const pxe: ChooseInput = { mac: MAC, ipxe: false, uefiX64Pxe: true, uefiX64Http: false, signedChainAvailable: true };
const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bootcast-sbc-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SecureBootClientChooser', () => {
  it('auto: iPXE first; after the iPXE loader was sent and the firmware asks again without running it, the signed chain', () => {
    const c = new SecureBootClientChooser(dataDir(), 'auto');
    expect(c.choose(pxe).chain).toBe('ipxe');
    expect(c.choose(pxe).chain).toBe('ipxe'); // the REQUEST of the same exchange
    c.loaderSent(MAC, 'snponly.efi');
    const next = c.choose(pxe);
    expect(next).toMatchObject({ chain: 'signed', reason: expect.stringMatching(/refused snponly\.efi/) });
    expect(c.isSecureBoot(MAC)).toBe(true);
    expect(c.choose(pxe)).toMatchObject({ chain: 'signed', reason: expect.stringMatching(/^Secure Boot machine/) });
  });

  it('auto: a machine whose iPXE ran (iPXE did DHCP or fetched its script) keeps iPXE', () => {
    const c = new SecureBootClientChooser(dataDir(), 'auto');
    c.choose(pxe);
    c.loaderSent(MAC, 'snponly.efi');
    expect(c.choose({ ...pxe, ipxe: true }).chain).toBe('ipxe');
    expect(c.choose(pxe).chain).toBe('ipxe'); // a reboot later: still not a Secure Boot machine
    expect(c.isSecureBoot(MAC)).toBeUndefined();
  });

  it('remembers Secure Boot machines in the data directory', async () => {
    const dir = dataDir();
    const a = new SecureBootClientChooser(dir, 'auto');
    a.loaderSent(MAC, 'ipxe.efi');
    a.choose(pxe);
    await a.flush();
    const b = new SecureBootClientChooser(dir, 'auto');
    await b.load();
    expect(b.choose(pxe).chain).toBe('signed');
    expect(JSON.parse(readFileSync(join(dir, 'secure-boot-clients.json'), 'utf8'))[MAC].secureBoot).toBe(true);
  });

  it('starts with nobody remembered when the file is damaged', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'secure-boot-clients.json'), '{ not json');
    const c = new SecureBootClientChooser(dir, 'auto');
    await c.load();
    expect(c.choose(pxe).chain).toBe('ipxe');
  });

  it('always and never override what was learned; the technician\'s flip counts in auto', () => {
    const c = new SecureBootClientChooser(dataDir(), 'always');
    expect(c.choose(pxe)).toMatchObject({ chain: 'signed', reason: expect.stringMatching(/always/) });
    c.setMode('never');
    c.set(MAC, true);
    expect(c.choose(pxe).chain).toBe('ipxe');
    c.setMode('auto');
    expect(c.choose(pxe)).toMatchObject({ chain: 'signed', reason: expect.stringMatching(/set by the technician/) });
    c.set(MAC, false);
    expect(c.choose(pxe).chain).toBe('ipxe');
  });

  it('offers nothing to a Secure Boot machine when no image has a chain, or over UEFI HTTP boot, and says why', () => {
    const c = new SecureBootClientChooser(dataDir(), 'always');
    expect(c.choose({ ...pxe, signedChainAvailable: false, noChainReason: 'x.iso: the kernel /k is not signed' })).toMatchObject({
      chain: 'none',
      reason: expect.stringMatching(/no image can boot with Secure Boot on \(x\.iso: the kernel \/k is not signed\)/),
    });
    expect(c.choose({ ...pxe, uefiX64Pxe: false, uefiX64Http: true })).toMatchObject({ chain: 'none', reason: expect.stringMatching(/not to UEFI HTTP boot/) });
  });

  it('leaves BIOS and other architectures to iPXE in every mode', () => {
    const c = new SecureBootClientChooser(dataDir(), 'always');
    expect(c.choose({ ...pxe, uefiX64Pxe: false }).chain).toBe('ipxe');
  });
});
