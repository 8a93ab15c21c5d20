import { describe, expect, it } from 'vitest';
import { sambaConfig, setupScript, shareNameFor, unattendFileFor, winpeshlIni } from './setup-source.ts';

describe('Windows Setup install source', () => {
  it('makes WinPE run the Bootcast script instead of its default shell', () => {
    expect(winpeshlIni()).toBe('[LaunchApps]\r\n%SYSTEMROOT%\\System32\\bootcast-setup.cmd\r\n');
  });

  it('maps the share with retries and starts the medium\'s setup.exe, with the injected answer file when there is one', () => {
    const plain = setupScript({ server: '198.18.0.1', share: 'bootcast-win11', unattend: false });
    expect(plain).toContain('net use S: \\\\198.18.0.1\\bootcast-win11 /user:guest "" >nul 2>&1 && goto bc_setup\r\n');
    expect(plain).toContain('\r\nS:\\setup.exe\r\n');
    expect(plain).toMatch(/^wpeinit\r$/m);
    expect(plain.indexOf('AllowInsecureGuestAuth')).toBeLessThan(plain.indexOf('net use'));
    const unattended = setupScript({ server: '198.18.0.1', share: 'bootcast-win11', unattend: true });
    expect(unattended).toContain('S:\\setup.exe /unattend:%SYSTEMROOT%\\System32\\autounattend.xml\r\n');
    expect(() => setupScript({ server: 'x & del', share: 's', unattend: false })).toThrow(RangeError);
    expect(() => setupScript({ server: '198.18.0.1', share: 'a b', unattend: false })).toThrow(RangeError);
  });

  it('looks for the answer file named after the ISO, beside it', () => {
    expect(unattendFileFor('/isos/Win11_24H2.iso')).toBe('/isos/Win11_24H2.autounattend.xml');
    expect(unattendFileFor('/isos/Win11.ISO')).toBe('/isos/Win11.autounattend.xml');
  });

  it('derives share names Windows accepts from image ids', () => {
    expect(shareNameFor('Win11_24H2.iso')).toBe('bootcast-Win11_24H2_iso');
  });

  it('binds smbd to the boot interface only, read-only guest shares, no NetBIOS or printers', () => {
    const conf = sambaConfig({ address: '198.18.0.1', stateDir: '/var/lib/bootcast/smb', shares: [{ name: 'bootcast-win', path: '/srv/win' }] });
    expect(conf).toContain('  interfaces = 198.18.0.1\n  bind interfaces only = yes\n');
    expect(conf).toContain('  disable netbios = yes\n');
    expect(conf).toContain('[bootcast-win]\n  path = /srv/win\n  read only = yes\n  guest ok = yes\n');
    expect(() => sambaConfig({ address: '198.18.0.1', stateDir: '/x', shares: [{ name: 'a]b', path: '/x' }] })).toThrow(RangeError);
  });
});
