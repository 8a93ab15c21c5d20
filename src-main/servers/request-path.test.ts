import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from '../../test/support/seeded-random.ts';
import { sanitiseRequestPath, type PathRefusalReason } from './request-path.ts';

const accepted: Array<[protocol: 'tftp' | 'http', raw: string, path: string]> = [
  ['tftp', 'pxelinux.0', '/pxelinux.0'],
  ['tftp', '/pxelinux.0', '/pxelinux.0'],
  ['tftp', 'boot\\x64\\wdsnbp.com', '/boot/x64/wdsnbp.com'],
  ['tftp', '\\boot\\bcd', '/boot/bcd'],
  ['tftp', 'efi//boot///bootx64.efi', '/efi/boot/bootx64.efi'],
  ['tftp', './efi/./boot/grubx64.efi', '/efi/boot/grubx64.efi'],
  ['tftp', 'pxelinux.cfg/01-52-54-00-12-34-56', '/pxelinux.cfg/01-52-54-00-12-34-56'],
  ['tftp', '...', '/...'],
  ['tftp', '..foo/bar..', '/..foo/bar..'],
  ['tftp', 'a%2e%2e', '/a%2e%2e'],
  ['http', '/boot.ipxe', '/boot.ipxe'],
  ['http', '/images/debian%20live/vmlinuz', '/images/debian live/vmlinuz'],
  ['http', '/%252e%252e/x', '/%2e%2e/x'],
  ['http', '/caf%C3%A9', '/café'],
  ['http', '/a/./b', '/a/b'],
];

const refused: Array<[protocol: 'tftp' | 'http', raw: string, reason: PathRefusalReason]> = [
  ['tftp', '', 'empty'],
  ['tftp', '../etc/passwd', 'traversal'],
  ['tftp', '/boot/../../etc/passwd', 'traversal'],
  ['tftp', '..', 'traversal'],
  ['tftp', 'boot\\..\\..\\secret', 'traversal'],
  ['tftp', '\\..\\secret', 'traversal'],
  ['tftp', 'C:\\Windows\\win.ini', 'windows-drive'],
  ['tftp', 'c:/boot.ini', 'windows-drive'],
  ['tftp', '\\C:\\x', 'windows-drive'],
  ['tftp', 'boot\u0000.ini', 'control-character'],
  ['tftp', 'a\nb', 'control-character'],
  ['tftp', '/', 'directory'],
  ['tftp', 'boot/', 'directory'],
  ['tftp', 'boot\\', 'directory'],
  ['tftp', '/./', 'directory'],
  ['tftp', 'x'.repeat(1025), 'too-long'],
  ['http', '/', 'directory'],
  ['http', '/images/', 'directory'],
  ['http', '/%2e%2e/etc/passwd', 'traversal'],
  ['http', '/%2E%2E/etc/passwd', 'traversal'],
  ['http', '/boot/..%2f..%2fetc', 'traversal'],
  ['http', '/boot/%2e%2e%5c%2e%2e%5cetc', 'traversal'],
  ['http', '/..%5csecret', 'traversal'],
  ['http', '/a/%00.txt', 'control-character'],
  ['http', '/%C3%28', 'bad-percent-encoding'],
  ['http', '/%zz', 'bad-percent-encoding'],
  ['http', '/%', 'bad-percent-encoding'],
  ['http', '/c%3a/windows', 'windows-drive'],
];

describe('sanitiseRequestPath', () => {
  it.each(accepted)('accepts %s %j as %j', (protocol, raw, path) => {
    expect(sanitiseRequestPath(raw, { protocol })).toEqual({ ok: true, path });
  });

  it.each(refused)('refuses %s %j because of %s', (protocol, raw, reason) => {
    const result = sanitiseRequestPath(raw, { protocol });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('never returns a path with a dot-dot segment, a backslash or a drive, whatever it is given', () => {
    // Seeded random strings over the characters that matter for traversal.
    const rand = seededRandom(0x2545f491);
    const alphabet = ['.', '.', '/', '\\', '%2e', '%2f', '%5c', 'a', 'C:', '%00', '%', 'é', '%25'];
    for (let i = 0; i < 20_000; i++) {
      let raw = '';
      const length = randomInt(rand, 16);
      for (let j = 0; j < length; j++) raw += alphabet[randomInt(rand, alphabet.length)];
      for (const protocol of ['tftp', 'http'] as const) {
        const result = sanitiseRequestPath(raw, { protocol });
        if (!result.ok) continue;
        expect(result.path.startsWith('/')).toBe(true);
        expect(result.path.split('/')).not.toContain('..');
        expect(result.path).not.toContain('\\');
        expect(result.path).not.toContain('\u0000');
        expect(result.path).not.toMatch(/^\/[A-Za-z]:/);
        expect(result.path.endsWith('/')).toBe(false);
      }
    }
  });
});
