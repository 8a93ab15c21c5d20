import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetLab } from '../../test/support/netns.ts';
import { NsServer, type Port } from './ns-server.ts';

/**
 * The seed's classic PXE recipe, the yardstick Bootcast is measured against:
 *  - dnsmasq: DHCP on the bridge + TFTP of Debian's iPXE loaders (undionly.kpxe for BIOS PXE
 *    ROMs, ipxe.efi for UEFI x64 = client arch 7/9) and, for clients already running iPXE
 *    (user class "iPXE"), the URL of a static boot script;
 *  - busybox httpd serving the ISO's files, extracted with xorriso (darkhttpd is not in
 *    Debian 12), plus that boot script: kernel + initrd by HTTP with the archiso parameters.
 * The same loader binaries as Bootcast's resources/ipxe (Debian 12's ipxe package), so the
 * comparison measures the servers and the boot flow, not two iPXE builds.
 */
export interface ReferencePxeOptions {
  lab: NetLab;
  ns: string;
  bridge: string;
  serverIp: string;
  range: { first: string; last: string };
  iso: string;
  workDir: string;
}

const IPXE_DIR = '/usr/lib/ipxe';
/** Paths inside the archiso layout of the test ISO. */
const KERNEL = 'arch/boot/x86_64/vmlinuz-linux';
const INITRD = 'arch/boot/x86_64/initramfs-linux.img';

export const REFERENCE_PORTS: Port[] = [
  { proto: 'udp', port: 67 },
  { proto: 'udp', port: 69 },
  { proto: 'tcp', port: 80 },
];

/** Which host tools the reference needs and are missing (empty when it can run). */
export function referenceMissing(): string[] {
  const missing: string[] = [];
  for (const [cmd, arg, pkg] of [['dnsmasq', '--version', 'dnsmasq-base'], ['busybox', '--help', 'busybox-static'], ['xorriso', '-version', 'xorriso']] as const) {
    try {
      execFileSync(cmd, [arg], { stdio: 'ignore' });
    } catch {
      missing.push(`${cmd} (apt-get install ${pkg})`);
    }
  }
  for (const f of ['undionly.kpxe', 'ipxe.efi']) if (!existsSync(join(IPXE_DIR, f))) missing.push(`${IPXE_DIR}/${f} (apt-get install ipxe)`);
  return missing;
}

export class ReferencePxe {
  private readonly tftpRoot: string;
  private readonly httpRoot: string;
  private readonly conf: string;
  private dnsmasq?: NsServer;
  private httpd?: NsServer;

  /** Lays out the TFTP root, the extracted ISO, the boot script and dnsmasq's config (once). */
  constructor(private readonly opts: ReferencePxeOptions) {
    const { workDir, iso, serverIp, bridge, range } = opts;
    this.tftpRoot = join(workDir, 'tftp');
    this.httpRoot = join(workDir, 'http');
    this.conf = join(workDir, 'dnsmasq.conf');
    mkdirSync(this.tftpRoot, { recursive: true });
    // ipxe.efi is a symlink to /boot/ipxe.efi: copyFileSync follows it (cp -L).
    for (const f of ['undionly.kpxe', 'ipxe.efi']) copyFileSync(join(IPXE_DIR, f), join(this.tftpRoot, f));
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', this.httpRoot], { stdio: 'ignore', timeout: 120_000 });
    execFileSync('chmod', ['-R', 'u+w', this.httpRoot]); // xorriso keeps the ISO's read-only modes
    const base = `http://${serverIp}`;
    // initrd=<name> on the command line: the EFI stub of a kernel booted by iPXE on UEFI loads
    // initrds by name from iPXE's image list; BIOS ignores it. Same archiso parameters as
    // Bootcast's recipe: the test initramfs fetches ${archiso_http_srv}${archisobasedir}/x86_64/marker.txt.
    writeFileSync(
      join(this.httpRoot, 'boot.ipxe'),
      [
        '#!ipxe',
        `kernel ${base}/${KERNEL} initrd=initramfs-linux.img archisobasedir=arch archiso_http_srv=${base}/ ip=dhcp console=ttyS0`,
        `initrd ${base}/${INITRD}`,
        'boot',
        '',
      ].join('\n'),
    );
    writeFileSync(
      this.conf,
      [
        'port=0', // no DNS
        `interface=${bridge}`,
        'bind-interfaces',
        'user=root',
        'log-dhcp',
        `pid-file=${join(workDir, 'dnsmasq.pid')}`,
        `dhcp-range=${range.first},${range.last},255.255.255.0,1h`,
        'dhcp-authoritative',
        `dhcp-option=option:router,${serverIp}`,
        'enable-tftp',
        `tftp-root=${this.tftpRoot}`,
        'dhcp-userclass=set:ipxe,iPXE',
        'dhcp-match=set:efi64,option:client-arch,7',
        'dhcp-match=set:efi64,option:client-arch,9',
        `dhcp-boot=tag:ipxe,${base}/boot.ipxe`,
        `dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi,,${serverIp}`,
        `dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,${serverIp}`,
        '',
      ].join('\n'),
    );
  }

  /** Starts dnsmasq and busybox httpd with a fresh lease file; resolves once 67, 69 and 80 listen. */
  async start(run: string): Promise<void> {
    const { lab, ns, serverIp, workDir } = this.opts;
    this.dnsmasq = new NsServer(lab, ns, 'dnsmasq', 'dnsmasq', ['--no-daemon', `--conf-file=${this.conf}`, `--dhcp-leasefile=${join(workDir, `${run}.leases`)}`], join(workDir, `${run}.dnsmasq.log`));
    this.httpd = new NsServer(lab, ns, 'busybox httpd', 'busybox', ['httpd', '-f', '-p', `${serverIp}:80`, '-h', this.httpRoot], join(workDir, `${run}.httpd.log`));
    this.dnsmasq.start();
    this.httpd.start();
    await this.dnsmasq.waitReady(REFERENCE_PORTS.filter((p) => p.proto === 'udp'), 15_000);
    await this.httpd.waitReady(REFERENCE_PORTS.filter((p) => p.proto === 'tcp'), 15_000);
  }

  /** CPU seconds used so far by dnsmasq and busybox httpd (with its per-connection children). */
  cpuSeconds(): number {
    return (this.dnsmasq?.cpuSeconds() ?? 0) + (this.httpd?.cpuSeconds() ?? 0);
  }

  async stop(): Promise<void> {
    await this.httpd?.stop([{ proto: 'tcp', port: 80 }]);
    await this.dnsmasq?.stop([{ proto: 'udp', port: 67 }, { proto: 'udp', port: 69 }]);
    this.httpd = this.dnsmasq = undefined;
  }
}
