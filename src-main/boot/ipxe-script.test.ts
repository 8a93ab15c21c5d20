import { describe, expect, it } from 'vitest';
import type { BootPlan } from '../shared/api.ts';
import { MemoryImage } from '../../test/support/memory-image.ts';
import { ARCH_ISO, MEMTEST_ISO, WINDOWS_ISO } from '../../test/support/image-trees.ts';
import { inspectImage } from './inspect-image.ts';
import { withSetupSource } from './windows/setup-injection.ts';
import { type BootScriptImage, type BootScriptInput, renderBootScript, renderChainScript } from './ipxe-script.ts';

const ARCH_HTTP: BootPlan = {
  id: 'http',
  recipe: 'archiso',
  title: 'Live system over HTTP',
  via: 'http',
  kernel: '/arch/boot/x86_64/vmlinuz-linux',
  initrds: ['/arch/boot/intel-ucode.img', '/arch/boot/amd-ucode.img', '/arch/boot/x86_64/initramfs-linux.img'],
  cmdline: 'archisobasedir=arch ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_http_srv={{image_url}}/',
  minRamMiB: 1536,
  firmware: ['bios', 'uefi'],
};
const ARCH_NBD: BootPlan = {
  ...ARCH_HTTP,
  id: 'nbd',
  title: 'Live system over NBD',
  via: 'nbd',
  cmdline: 'archisobasedir=arch ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_nbd_srv={{server}} archiso_nbd_name={{nbd_export}} copytoram=n',
  minRamMiB: 768,
};
const SANBOOT: BootPlan = { id: 'sanboot', recipe: 'sanboot', title: 'Whole image as a BIOS disk', via: 'sanboot', initrds: [], firmware: ['bios'] };
const WINDOWS: BootPlan = {
  id: 'none',
  recipe: 'none',
  title: 'Cannot be network-booted yet',
  via: 'none',
  initrds: [],
  firmware: ['bios', 'uefi'],
  unbootableReason: 'Windows installer (sources/boot.wim): booting it needs wimboot, which Bootcast does not bundle yet',
};

const arch: BootScriptImage = { id: 'archlinux-2026.11.01-x86_64', name: 'Arch Linux 2026.11.01', plans: [ARCH_HTTP, ARCH_NBD], arch: 'x86_64' };

function input(over: Partial<BootScriptInput>): BootScriptInput {
  return {
    baseUrl: 'http://198.18.0.1',
    serverAddress: '198.18.0.1',
    client: { mac: '52:54:00:12:34:56', platform: 'pcbios', buildarch: 'i386' },
    images: [arch],
    menuTimeoutSec: 10,
    nbdPort: 10809,
    ...over,
  };
}

const TAIL = `:bc_fail
echo
echo Bootcast: boot failed (error \${errno}); the line above says why.
echo Bootcast: server 198.18.0.1, boot script http://198.18.0.1/boot.ipxe
prompt --key s --timeout 30000 Press s for the iPXE shell, any other key to retry now (retrying in 30 s) && goto bc_shell ||
goto bc_retry
:bc_retry
chain --replace --autofree http://198.18.0.1/boot.ipxe?mac=\${netX/mac}&arch=\${buildarch}&platform=\${platform} || goto bc_fail
:bc_shell
echo Bootcast: "exit" leaves iPXE; to ask the server again, type:
echo chain http://198.18.0.1/boot.ipxe
shell
goto bc_retry
:bc_wrong_firmware
echo Bootcast: this entry is for the other firmware type; this client runs \${platform}.
prompt --timeout 30000 Press any key to ask the server again ||
goto bc_retry
:bc_exit
echo Bootcast: leaving iPXE; the firmware tries the next boot device.
exit 0
`;

describe('renderBootScript', () => {
  it('boots a single image directly: kernel with named initrds in order, filled command line, failure screen with retry', () => {
    expect(renderBootScript(input({}))).toBe(
      `#!ipxe
# Bootcast boot script for 52:54:00:12:34:56 (BIOS, i386)
:bc_e1
imgfree
echo Bootcast: booting Arch Linux 2026.11.01: Live system over HTTP
kernel http://198.18.0.1/images/archlinux-2026.11.01-x86_64/arch/boot/x86_64/vmlinuz-linux initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch ip=dhcp BOOTIF=01-52-54-00-12-34-56 archiso_http_srv=http://198.18.0.1/images/archlinux-2026.11.01-x86_64/ || goto bc_fail
initrd --name intel-ucode.img http://198.18.0.1/images/archlinux-2026.11.01-x86_64/arch/boot/intel-ucode.img || goto bc_fail
initrd --name amd-ucode.img http://198.18.0.1/images/archlinux-2026.11.01-x86_64/arch/boot/amd-ucode.img || goto bc_fail
initrd --name initramfs-linux.img http://198.18.0.1/images/archlinux-2026.11.01-x86_64/arch/boot/x86_64/initramfs-linux.img || goto bc_fail
boot || goto bc_fail
${TAIL}`,
    );
  });

  it('boots the selected NBD plan with the server address and the image id as export name', () => {
    const script = renderBootScript(input({ images: [{ ...arch, plan: ARCH_NBD }], baseUrl: 'http://198.18.0.1:8080' }));
    expect(script).toContain(
      'kernel http://198.18.0.1:8080/images/archlinux-2026.11.01-x86_64/arch/boot/x86_64/vmlinuz-linux initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch ip=dhcp BOOTIF=01-52-54-00-12-34-56 archiso_nbd_srv=198.18.0.1 archiso_nbd_name=archlinux-2026.11.01-x86_64 copytoram=n || goto bc_fail',
    );
    expect(script).toContain('echo Bootcast: booting Arch Linux 2026.11.01: Live system over NBD');
  });

  it("falls back to the HTTP plan when archiso's NBD client could not reach a non-standard NBD port", () => {
    const script = renderBootScript(input({ images: [{ ...arch, plan: ARCH_NBD }], nbdPort: 11000 }));
    expect(script).toContain('archiso_http_srv=');
    expect(script).not.toContain('archiso_nbd_srv=');
  });

  it("lets iPXE fill in the MAC when the request did not carry one", () => {
    const script = renderBootScript(input({ client: { platform: 'efi', buildarch: 'x86_64' } }));
    expect(script).toContain(' BOOTIF=01-${netX/mac:hexhyp} ');
    expect(script).toContain('# Bootcast boot script for unknown MAC (UEFI, x86_64)');
  });

  it('makes a menu of every bootable plan, default image first choice, with timeout in milliseconds, and lists unbootable images with their reasons', () => {
    const win: BootScriptImage = { id: 'win11', name: 'Win11_24H2_English_x64.iso', plans: [WINDOWS] };
    const memtest: BootScriptImage = { id: 'memtest', name: 'memtest86+ 7.20', plans: [SANBOOT] };
    const script = renderBootScript(input({ images: [win, arch, memtest], defaultImageId: 'memtest', menuTimeoutSec: 15 }));
    const head = script.slice(0, script.indexOf(':bc_e1'));
    expect(head).toBe(
      `#!ipxe
# Bootcast boot script for 52:54:00:12:34:56 (BIOS, i386)
:bc_menu
menu Bootcast: choose what 52:54:00:12:34:56 (BIOS, i386) boots
item bc_e1 Arch Linux 2026.11.01 - Live system over HTTP, RAM 1.5 GiB+
item bc_e2 Arch Linux 2026.11.01 - Live system over NBD, RAM 768 MiB+
item bc_e3 memtest86+ 7.20 - Whole image as a BIOS disk
item --gap
item --gap Cannot be network-booted here (select to see why):
item bc_r1 Win11_24H2_English_x64.iso
item --gap
item bc_shell iPXE shell
item bc_exit Leave iPXE (boot the next device, e.g. the local disk)
choose --timeout 15000 --default bc_e3 bc_choice || goto bc_shell
goto \${bc_choice}
`,
    );
    expect(script).toContain(`:bc_e3
imgfree
echo Bootcast: booting memtest86+ 7.20: Whole image as a BIOS disk
sanboot --no-describe http://198.18.0.1/images/memtest.iso || goto bc_fail
`);
    expect(script).toContain(`:bc_r1
echo Bootcast: Win11_24H2_English_x64.iso cannot be network-booted: Windows
echo installer (sources/boot.wim): booting it needs wimboot, which Bootcast
echo does not bundle yet
prompt --timeout 120000 Press any key to return to the menu ||
goto bc_menu
`);
  });

  it('hides BIOS-only plans from UEFI clients and explains why when nothing is left', () => {
    const memtest: BootScriptImage = { id: 'memtest', name: 'memtest86+', plans: [SANBOOT] };
    const script = renderBootScript(input({ images: [memtest], client: { mac: '52:54:00:00:00:01', platform: 'efi', buildarch: 'x86_64' } }));
    expect(script).not.toContain('sanboot --no-describe');
    expect(script).toContain('echo Bootcast: memtest86+ cannot be network-booted: Whole image as a BIOS\necho disk: needs BIOS; this client boots with UEFI\n');
    expect(script).toContain('prompt --key s --timeout 120000 ');
  });

  it('lets iPXE check its own firmware when the request did not say, before a single-firmware plan', () => {
    const memtest: BootScriptImage = { id: 'memtest', name: 'memtest86+', plans: [SANBOOT] };
    const script = renderBootScript(input({ images: [memtest], client: {} }));
    expect(script).toContain('echo Bootcast: booting memtest86+: Whole image as a BIOS disk\niseq ${platform} pcbios || goto bc_wrong_firmware\nsanboot --no-describe ');
    expect(renderBootScript(input({ images: [memtest] }))).not.toContain('iseq ');
  });

  it('keeps x86 images away from arm64 clients', () => {
    const script = renderBootScript(input({ client: { mac: '52:54:00:00:00:02', platform: 'efi', buildarch: 'arm64' } }));
    expect(script).not.toContain('kernel ');
    expect(script).toMatch(/built for x86_64; this client is arm64/);
  });

  it('boots the default entry without showing the menu when the timeout is 0', () => {
    const other: BootScriptImage = { ...arch, id: 'second', name: 'Second' };
    const script = renderBootScript(input({ images: [arch, other], defaultImageId: 'second', menuTimeoutSec: 0 }));
    expect(script).not.toMatch(/^choose /m);
    expect(script).toContain('item bc_exit Leave iPXE (boot the next device, e.g. the local disk)\ngoto bc_e3\n:bc_e1\n');
  });

  it('says so on screen when no images are served', () => {
    const script = renderBootScript(input({ images: [] }));
    expect(script).toContain('echo Bootcast: no images are being served yet.');
    expect(script).toContain('goto bc_retry');
  });

  it('cannot be steered by image names or command lines: terminators, comments and expansions are defused', () => {
    const evil: BootScriptImage = {
      id: 'evil',
      name: 'R ; reboot || shell && x # ${net0/ip}\nchain http://a/x',
      plans: [{ ...ARCH_HTTP, title: '-n --timeout 1', cmdline: 'quiet ; reboot #comment ${platform} && x' }],
    };
    const script = renderBootScript(input({ images: [evil, arch] }));
    const lines = script.split('\n');
    // No line starts a command nobody wrote: every line begins with one of ours.
    const ours = new Set(['#!ipxe', '#', 'iseq', 'menu', 'item', 'choose', 'goto', 'imgfree', 'echo', 'kernel', 'initrd', 'boot', 'sanboot', 'prompt', 'chain', 'shell', 'exit', '']);
    for (const l of lines) expect(ours.has(l.split(' ')[0]!) || /^:bc_\w+$/.test(l), l).toBe(true);
    const item = lines.find((l) => l.startsWith('item bc_e1 '))!;
    expect(item).toBe('item bc_e1 R ${bc_nil}; reboot ${bc_nil}|| shell ${bc_nil}&& x ${bc_nil}# $ {net0/ip} chain http://a/x -..., RAM 1.5 GiB+');
    const kernel = lines.find((l) => l.startsWith('kernel http://198.18.0.1/images/evil/'))!;
    expect(kernel).toContain(' quiet ${bc_nil}; reboot ${bc_nil}#comment $ {platform} ${bc_nil}&& x || goto bc_fail');
    // Each line holds exactly the terminators we put there.
    expect(kernel.split(' ').filter((t) => t === '||' || t === '&&' || t === ';')).toEqual(['||']);
    expect(kernel.split(' ').filter((t) => t.startsWith('#'))).toEqual([]);
  });

  it('renders what inspection produced for real layouts', async () => {
    const images: BootScriptImage[] = [];
    for (const [id, tree] of [['arch', ARCH_ISO], ['win', WINDOWS_ISO], ['memtest', MEMTEST_ISO]] as const) {
      const r = await inspectImage(new MemoryImage(tree, `/x/${id}.iso`), { sizeBytes: id === 'memtest' ? 3 << 20 : 2 << 30 });
      images.push({ id, name: r.distro ?? id, plans: r.plans, ...(r.arch ? { arch: r.arch } : {}) });
    }
    const script = renderBootScript(input({ images }));
    expect(script).toMatch(/^item bc_e1 Arch Linux 2026\.11\.01 - Live over HTTP \(copied to RAM\), RAM \d\.\d GiB\+$/m);
    expect(script).toMatch(/^item bc_e2 Arch Linux 2026\.11\.01 - Live over NBD \(streamed, less RAM\), RAM \d+ MiB\+$/m);
    expect(script).toMatch(/^item bc_e3 Windows Setup - Windows Setup \(wimboot\), RAM \d\.\d GiB\+$/m);
    expect(script).toContain('item bc_e4 memtest - Whole image as a BIOS disk (iPXE sanboot over HTTP), RAM 64 MiB+\n');
    expect(script).not.toMatch(/\{\{/);
  });
});

describe('wimboot plans', () => {
  async function windows(client: BootScriptInput['client']): Promise<string> {
    const r = await inspectImage(new MemoryImage(WINDOWS_ISO, '/x/win.iso'), { sizeBytes: 5 << 30 });
    return renderBootScript(input({ client, images: [{ id: 'win', name: r.distro ?? 'win', plans: r.plans, ...(r.arch ? { arch: r.arch } : {}) }], menuTimeoutSec: 0 }));
  }
  const common = [
    'initrd --name boot.sdi http://198.18.0.1/images/win/boot/boot.sdi || goto bc_fail',
    'initrd --name boot.wim http://198.18.0.1/images/win/sources/boot.wim || goto bc_fail',
    'boot || goto bc_fail',
  ];

  it('gives a BIOS client wimboot, bootmgr and the BIOS BCD, all by name, over HTTP from the image', async () => {
    const script = await windows({ platform: 'pcbios', buildarch: 'i386' });
    expect(script).toContain(
      [
        'kernel http://198.18.0.1/wimboot || goto bc_fail',
        'initrd --name bootmgr http://198.18.0.1/images/win/bootmgr || goto bc_fail',
        'initrd --name BCD http://198.18.0.1/images/win/boot/bcd || goto bc_fail',
        ...common,
      ].join('\n'),
    );
    expect(script).not.toContain('bootmgfw.efi');
  });

  it('gives a UEFI client bootmgfw.efi and the EFI BCD instead', async () => {
    const script = await windows({ platform: 'efi', buildarch: 'x86_64' });
    expect(script).toContain(
      [
        'kernel http://198.18.0.1/wimboot || goto bc_fail',
        'initrd --name bootmgfw.efi http://198.18.0.1/images/win/efi/boot/bootx64.efi || goto bc_fail',
        'initrd --name BCD http://198.18.0.1/images/win/efi/microsoft/boot/bcd || goto bc_fail',
        ...common,
      ].join('\n'),
    );
    expect(script).not.toMatch(/--name bootmgr /);
  });

  it('lets iPXE choose by ${platform} when the client did not say its firmware', async () => {
    const script = await windows({});
    expect(script).toContain('iseq ${platform} efi && goto bc_e1_efi ||');
    expect(script).toContain(':bc_e1_efi\ninitrd --name bootmgfw.efi');
  });

  it('tells the client what the technician must do when no wimboot was supplied, and fetches nothing', async () => {
    const r = await inspectImage(new MemoryImage(WINDOWS_ISO, '/x/win.iso'), { sizeBytes: 5 << 30 });
    const reason = "Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at /data/wimboot, or pass --wimboot PATH";
    const plans = r.plans.map((p) => (p.via === 'wimboot' ? { ...p, unbootableReason: reason } : p));
    const script = renderBootScript(input({ client: { platform: 'efi', buildarch: 'x86_64' }, images: [{ id: 'win', name: r.distro ?? 'win', plans }], menuTimeoutSec: 0 }));
    expect(script).not.toContain('kernel ');
    const echoed = script.split('\n').filter((l) => l.startsWith('echo ')).map((l) => l.slice(5)).join(' ');
    expect(echoed).toContain('Bootcast does not bundle wimboot: download wimboot from the iPXE');
    expect(echoed).toContain('/data/wimboot, or pass --wimboot PATH');
  });

  it('hands a shared Setup image\'s injected files to wimboot after boot.wim, from the image\'s generated tree', async () => {
    const r = await inspectImage(new MemoryImage(WINDOWS_ISO, '/x/win.iso'), { sizeBytes: 5 << 30 });
    const plans = withSetupSource(r.plans, { unattend: true });
    const script = renderBootScript(input({ client: { platform: 'efi', buildarch: 'x86_64' }, images: [{ id: 'win', name: 'win', plans }], menuTimeoutSec: 0 }));
    expect(script).toContain(
      [
        'initrd --name boot.wim http://198.18.0.1/images/win/sources/boot.wim || goto bc_fail',
        'initrd --name winpeshl.ini http://198.18.0.1/images/win/%5Bbootcast%5D/windows-setup/winpeshl.ini || goto bc_fail',
        'initrd --name bootcast-setup.cmd http://198.18.0.1/images/win/%5Bbootcast%5D/windows-setup/bootcast-setup.cmd || goto bc_fail',
        'initrd --name autounattend.xml http://198.18.0.1/images/win/%5Bbootcast%5D/windows-setup/autounattend.xml || goto bc_fail',
        'boot || goto bc_fail',
      ].join('\n'),
    );
  });

  it('refuses an arm64 client: wimboot is x86 only', async () => {
    const script = await windows({ platform: 'efi', buildarch: 'arm64' });
    expect(script).not.toContain('wimboot ||');
    expect(script).toContain('built for x86_64');
  });
});

describe('renderChainScript', () => {
  it('asks the server again with the client settings iPXE expands', () => {
    expect(renderChainScript('http://198.18.0.1:8080/')).toBe(`#!ipxe
# Bootcast: ask again with this client's MAC, architecture and firmware
:bc_retry
chain --replace --autofree http://198.18.0.1:8080/boot.ipxe?mac=\${netX/mac}&arch=\${buildarch}&platform=\${platform} || goto bc_fail
:bc_fail
echo Bootcast: could not fetch the boot script (error \${errno}) from
echo http://198.18.0.1:8080/boot.ipxe
prompt --key s --timeout 30000 Press s for the iPXE shell, any other key to retry now (retrying in 30 s) && goto bc_shell ||
goto bc_retry
:bc_shell
shell
goto bc_retry
`);
  });
});

describe('renderBootScript with hostile input', () => {
  it('keeps the script structure whatever names, titles, reasons and command lines hold (1000 seeded cases)', async () => {
    const { seededRandom } = await import('../../test/support/seeded-random.ts');
    const rand = seededRandom(0xb007);
    const pieces = ['a', ' ', ';', '||', '&&', '#', '${', '}', '\n', '-', 'é', '"', 'goto x', 'reboot', '{{image_url}}', '\t'];
    const junk = (): string => Array.from({ length: Math.floor(rand() * 10) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
    const ours = new Set(['#!ipxe', '#', 'iseq', 'menu', 'item', 'choose', 'goto', 'imgfree', 'echo', 'kernel', 'initrd', 'boot', 'sanboot', 'prompt', 'chain', 'shell', 'exit', '']);
    const failures: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const images: BootScriptImage[] = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_v, i) => ({
        id: `img${i}`,
        name: junk(),
        plans: [
          rand() < 0.7
            ? { ...ARCH_HTTP, title: junk(), cmdline: junk(), minRamMiB: Math.floor(rand() * 4096) }
            : { ...WINDOWS, unbootableReason: junk(), title: junk() },
        ],
      }));
      const script = renderBootScript(input({ images, menuTimeoutSec: Math.floor(rand() * 3) }));
      for (const line of script.split('\n')) {
        const first = line.split(' ')[0]!;
        const tokens = line.split(/\s+/).filter((t) => t !== '');
        const terminators = tokens.filter((t) => t === '||' || t === '&&' || t === ';' || (t.startsWith('#') && first !== '#' && first !== '#!ipxe'));
        const ok =
          (ours.has(first) || /^:bc_\w+$/.test(line)) &&
          // Our lines use at most "&& goto bc_shell ||" (prompt) or one "|| goto …", always at the end.
          terminators.length <= (first === 'prompt' ? 2 : 1) &&
          (terminators.length === 0 || / (\|\| goto bc_\w+|\|\||&& goto bc_shell \|\|)$/.test(line)) &&
          !line.replace(/\$\{(bc_nil|bc_choice|errno|netX\/mac(:hexhyp)?|buildarch|platform)\}/g, '').includes('${');
        if (!ok) failures.push(`case ${n}: ${JSON.stringify(line)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
