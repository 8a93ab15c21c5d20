import { describe, expect, it } from 'vitest';
import {
  bootScriptUrl,
  imageBaseUrl,
  imageFileUrl,
  ipxeChainUrl,
  parseBootScriptQuery,
  parseImageUrlPath,
  wholeImageUrl,
} from './image-urls.ts';

describe('image URLs', () => {
  it('builds file, base and whole-image URLs under /images/<id>', () => {
    expect(imageFileUrl('http://198.18.0.1:8080/', 'arch', '/arch/boot/x86_64/vmlinuz-linux')).toBe('http://198.18.0.1:8080/images/arch/arch/boot/x86_64/vmlinuz-linux');
    expect(imageBaseUrl('http://198.18.0.1', 'arch')).toBe('http://198.18.0.1/images/arch');
    expect(wholeImageUrl('http://198.18.0.1', 'arch')).toBe('http://198.18.0.1/images/arch.iso');
  });

  it('percent-encodes each path segment so spaces, # and ${ cannot reach iPXE raw', () => {
    expect(imageFileUrl('http://s', 'a', '/EFI/My Dir/#1 ${x}.img')).toBe('http://s/images/a/EFI/My%20Dir/%231%20%24%7Bx%7D.img');
  });

  it('refuses image ids that would not survive as one path segment', () => {
    for (const id of ['', '.', '..', 'a/b', 'a\\b', 'a\nb']) expect(() => imageBaseUrl('http://s', id), JSON.stringify(id)).toThrow(RangeError);
  });

  it('parses decoded request paths back to image and inner path', () => {
    expect(parseImageUrlPath('/images/arch/arch/boot/x86_64/vmlinuz-linux')).toEqual({ imageId: 'arch', innerPath: '/arch/boot/x86_64/vmlinuz-linux' });
    expect(parseImageUrlPath('/images/arch.iso')).toEqual({ imageId: 'arch', wholeImage: true });
    expect(parseImageUrlPath('/images/ubuntu-24.04.iso/casper/vmlinuz')).toEqual({ imageId: 'ubuntu-24.04.iso', innerPath: '/casper/vmlinuz' });
    expect(parseImageUrlPath('/images/a//b///c')).toEqual({ imageId: 'a', innerPath: '/b/c' });
  });

  it('returns null for paths that are not image files', () => {
    for (const p of ['/boot.ipxe', '/images/', '/images/arch', '/images/arch/', '/images/.iso', '/images/arch/../etc/passwd', '/imagesx/a/b', '/images/../x.iso']) {
      expect(parseImageUrlPath(p), p).toBeNull();
    }
  });

  it('round-trips every builder through the parser once the server has decoded the path', () => {
    const inner = '/EFI/BOOT/grub x64 #2.cfg';
    const url = new URL(imageFileUrl('http://s', 'img-1', inner));
    expect(parseImageUrlPath(decodeURIComponent(url.pathname))).toEqual({ imageId: 'img-1', innerPath: inner });
    expect(parseImageUrlPath(new URL(wholeImageUrl('http://s', 'img-1')).pathname)).toEqual({ imageId: 'img-1', wholeImage: true });
  });
});

describe('boot script request', () => {
  it('gives iPXE a chain URL whose settings it expands itself', () => {
    expect(bootScriptUrl('http://198.18.0.1/')).toBe('http://198.18.0.1/boot.ipxe');
    expect(ipxeChainUrl('http://198.18.0.1')).toBe('http://198.18.0.1/boot.ipxe?mac=${netX/mac}&arch=${buildarch}&platform=${platform}');
  });

  it('reads the per-client query, normalising the MAC and ignoring junk', () => {
    expect(parseBootScriptQuery(new URLSearchParams('mac=52:54:00:AB:cd:EF&arch=i386&platform=pcbios'))).toEqual({ perClient: true, mac: '52:54:00:ab:cd:ef', buildarch: 'i386', platform: 'pcbios' });
    expect(parseBootScriptQuery(new URLSearchParams('mac=&arch=&platform='))).toEqual({ perClient: true });
    expect(parseBootScriptQuery(new URLSearchParams('mac=zz&arch=a b&platform=efi'))).toEqual({ perClient: true, platform: 'efi' });
  });

  it('tells a plain request (no platform key) apart, so the server answers with the chain script', () => {
    expect(parseBootScriptQuery(new URLSearchParams(''))).toEqual({ perClient: false });
    expect(parseBootScriptQuery(undefined)).toEqual({ perClient: false });
    expect(parseBootScriptQuery(new URLSearchParams('mac=52:54:00:00:00:01'))).toEqual({ perClient: false });
    // option 67 chained through a script variable: iPXE sent the query unexpanded
    expect(parseBootScriptQuery(new URLSearchParams('mac=${netX/mac}&arch=${buildarch}&platform=${platform}'))).toEqual({ perClient: false });
  });

  it('accepts the MAC spellings iPXE and people use', () => {
    expect(parseBootScriptQuery(new URLSearchParams('platform=efi&mac=52-54-00-12-34-56'))).toMatchObject({ mac: '52:54:00:12:34:56' });
    expect(parseBootScriptQuery(new URLSearchParams('platform=efi&mac=525400123456'))).toMatchObject({ mac: '52:54:00:12:34:56' });
    expect(parseBootScriptQuery(new URLSearchParams('platform=efi&mac=52:54:00:12:34'))).not.toHaveProperty('mac');
  });
});
