import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PxeClientInfo } from '../pxe/client-class.ts';
import type { ImageInfo, ServerSettings } from '../shared/api.ts';
import type { BootChainEvent, BootScriptEvent } from '../shared/timeline-event.ts';
import { BootAnswers } from './boot-answers.ts';
import type { ImageLibrary } from './image-library.ts';
import { SecureBootClientChooser } from './secure-boot-clients.ts';
import { defaultSettings } from './settings-store.ts';

const IMAGE: ImageInfo = {
  id: 'debian', path: '/isos/debian.iso', fileName: 'debian.iso', sizeBytes: 1, selectedPlan: 'http',
  plans: [{ id: 'http', recipe: 'generic-linux', title: 'Live', via: 'http', kernel: '/live/vmlinuz', initrds: ['/live/initrd.img'], cmdline: 'boot=live', firmware: ['uefi'] }],
  secureBoot: { usable: true, reason: 'Debian chain', vendor: 'Debian Secure Boot CA', shim: '/EFI/boot/bootx64.efi', bundledGrub: 'secureboot/debian/grubnetx64.efi.signed', grubPrefix: '/grub' },
};
const UEFI: PxeClientInfo = {
  mac: '52:54:00:12:34:56', arch: 7, archName: 'EFI BC (x86-64)', firmware: 'uefi', ipxe: false, pxeClient: true, httpClient: false, pxe: true, userClass: [], ipxeFeatures: [], problems: [],
};
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function answers(mode: ServerSettings['secureBootClients']) {
  const dir = mkdtempSync(join(tmpdir(), 'bootcast-answers-'));
  dirs.push(dir);
  const recorded: (BootScriptEvent | BootChainEvent)[] = [];
  const library = { list: () => [IMAGE], get: () => undefined } as unknown as ImageLibrary;
  const a = new BootAnswers({
    library,
    settings: () => ({ ...defaultSettings(), secureBootClients: mode }),
    log: () => undefined,
    record: (e) => recorded.push(e),
    secureBootClients: new SecureBootClientChooser(dir, mode),
    resolveMac: () => UEFI.mac,
    loaderHistory: () => ({}),
  });
  a.serveAt('198.18.0.1', 'http://198.18.0.1');
  return { a, recorded };
}

describe('BootAnswers for Secure Boot machines', () => {
  it('offers the image\'s shim from its virtual directory, and states the choice once per change', () => {
    const { a, recorded } = answers('always');
    const policy = a.policy();
    expect(policy(UEFI)).toEqual({ bootFile: 'secureboot/debian/shimx64.efi', nextServer: '198.18.0.1' });
    policy(UEFI);
    expect(recorded.filter((e) => e.kind === 'boot.chain')).toEqual([expect.objectContaining({ chain: 'signed', image: 'debian', vendor: 'Debian Secure Boot CA' })]);
  });

  it('warns with the choice that the signed GRUB may stop at its prompt behind another DHCP server', () => {
    const { a, recorded } = answers('always');
    a.dhcpModeIs('proxy');
    a.policy()(UEFI);
    expect((recorded[0] as BootChainEvent).reason).toMatch(/use full DHCP mode/);
  });

  it('renders the grub.cfg for the client and records it as its boot script', () => {
    const { a, recorded } = answers('always');
    const cfg = a.grubConfig({ protocol: 'tftp', remoteAddress: '198.18.0.50' });
    expect(cfg).toContain("linux '(tftp,198.18.0.1)/images/debian/live/vmlinuz' 'boot=live'");
    expect(recorded.at(-1)).toMatchObject({ kind: 'boot.script', loader: 'grub', client: UEFI.mac, image: 'debian', expectsLive: true });
  });
});
