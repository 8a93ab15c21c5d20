import { describe, expect, it } from 'vitest';
import { shareUnavailableReason } from './share-host.ts';

describe('whether this host can share Windows Setup media', () => {
  it('can on Linux as root with smbd', () => {
    expect(shareUnavailableReason({ platform: 'linux', root: true, smbd: '/usr/sbin/smbd' })).toBeNull();
  });

  it('names what is missing and what to do, with the manual way as the fallback', () => {
    expect(shareUnavailableReason({ platform: 'linux', root: true, smbd: null })).toMatch(/^Samba's smbd is not installed: install it \(Debian\/Ubuntu: sudo apt install samba;.*docs\/windows-setup\.md/);
    expect(shareUnavailableReason({ platform: 'linux', root: false, smbd: '/usr/sbin/smbd' })).toMatch(/^the share needs root .*sudo bootcast serve/);
    expect(shareUnavailableReason({ platform: 'win32', root: false, smbd: null })).toMatch(/on Windows yet: .*New-SmbShare/);
    expect(shareUnavailableReason({ platform: 'darwin', root: true, smbd: null })).toMatch(/on macOS yet: .*hdiutil/);
  });
});
