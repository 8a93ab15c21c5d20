import { describe, expect, it } from 'vitest';
import type { BootPlan } from '../../shared/api.ts';
import { parseWindowsSetupPath, windowsSetupFilePath } from '../image-urls.ts';
import { withSetupSource } from './setup-injection.ts';

const SETUP: BootPlan = {
  id: 'wimboot', recipe: 'windows', title: 'Windows Setup (wimboot)', via: 'wimboot', firmware: ['bios', 'uefi'], windowsSetup: true,
  initrds: ['/boot/boot.sdi', '/sources/boot.wim'],
  wimbootFiles: [{ name: 'boot.sdi', path: '/boot/boot.sdi' }, { name: 'boot.wim', path: '/sources/boot.wim' }],
};
const WINPE: BootPlan = { ...SETUP, title: 'Windows PE (wimboot)', windowsSetup: undefined };

describe('Windows Setup plans and the install share', () => {
  it('adds winpeshl.ini and the setup script (and the answer file when there is one) after the boot files, as plan files', () => {
    const [plan] = withSetupSource([SETUP], { unattend: false });
    expect(plan!.wimbootFiles!.map((f) => f.name)).toEqual(['boot.sdi', 'boot.wim', 'winpeshl.ini', 'bootcast-setup.cmd']);
    expect(plan!.initrds).toEqual(['/boot/boot.sdi', '/sources/boot.wim', '/[bootcast]/windows-setup/winpeshl.ini', '/[bootcast]/windows-setup/bootcast-setup.cmd']);
    const [withAnswers] = withSetupSource([SETUP], { unattend: true });
    expect(withAnswers!.wimbootFiles!.at(-1)).toEqual({ name: 'autounattend.xml', path: '/[bootcast]/windows-setup/autounattend.xml' });
    expect(SETUP.wimbootFiles).toHaveLength(2);
  });

  it('says in the plan\'s limits why Setup will not find its files when there is no share', () => {
    const [plan] = withSetupSource([SETUP], { reason: 'Samba is not installed' });
    expect(plan!.limits).toEqual(['Windows Setup starts but will not find its install files: Samba is not installed']);
    expect(plan!.wimbootFiles).toHaveLength(2);
  });

  it('leaves WinPE media and other plans alone', () => {
    const plans = [WINPE, { ...SETUP, via: 'none' as const }];
    expect(withSetupSource(plans, { unattend: true })).toBe(plans);
    expect(withSetupSource([SETUP], undefined)).toEqual([SETUP]);
  });

  it('addresses the injected files under the image\'s generated tree, and only simple names', () => {
    expect(parseWindowsSetupPath(windowsSetupFilePath('bootcast-setup.cmd'))).toBe('bootcast-setup.cmd');
    expect(parseWindowsSetupPath('/[BOOTCAST]/Windows-Setup/winpeshl.ini')).toBe('winpeshl.ini');
    expect(parseWindowsSetupPath('/[bootcast]/windows-setup/a/b')).toBeNull();
    expect(parseWindowsSetupPath('/sources/boot.wim')).toBeNull();
    expect(() => windowsSetupFilePath('../x')).toThrow(RangeError);
  });
});
