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
 * Variants, as an expert would set it up (`variant`):
 *  - default: as above, ipxe.efi for UEFI;
 *  - tuned: snponly.efi for UEFI, option 175.176 (ipxe.no-pxedhcp, full DHCP only) so iPXE does
 *    not wait for ProxyDHCP offers, and an IPv6 RA "no router here" answering iPXE's router
 *    solicitation (ra-responder.py, python3), which ends Debian's iPXE's ~13 s IPv6 wait;
 *  - proxy: dnsmasq as proxyDHCP (pxe-service) beside the LAN's own DHCP server, which the
 *    bench runs elsewhere.
 * Debian 12's iPXE loaders (/usr/lib/ipxe, January 2019), which Bootcast's own build replaces.
 */
export interface ReferencePxeOptions {
  lab: NetLab;
  ns: string;
  bridge: string;
  serverIp: string;
  range: { first: string; last: string };
  iso: string;
  workDir: string;
  tuned?: boolean;
  proxy?: boolean;
  /** python3 script answering router solicitations (the tuned variant). */
  raResponder?: string;
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
  for (const f of ['undionly.kpxe', 'ipxe.efi', 'snponly.efi']) if (!existsSync(join(IPXE_DIR, f))) missing.push(`${IPXE_DIR}/${f} (apt-get install ipxe)`);
  return missing;
}

export class ReferencePxe {
  private readonly tftpRoot: string;
  private readonly httpRoot: string;
  private readonly conf: string;
  private dnsmasq?: NsServer;
  private httpd?: NsServer;
  private ra?: NsServer;

  /** Lays out the TFTP root, the extracted ISO, the boot script and dnsmasq's config (once). */
  constructor(private readonly opts: ReferencePxeOptions) {
    const { workDir, iso, serverIp, bridge, range, tuned = false, proxy = false } = opts;
    this.tftpRoot = join(workDir, 'tftp');
    this.httpRoot = join(workDir, 'http');
    this.conf = join(workDir, 'dnsmasq.conf');
    mkdirSync(this.tftpRoot, { recursive: true });
    // ipxe.efi is a symlink to /boot/ipxe.efi: copyFileSync follows it (cp -L).
    for (const f of ['undionly.kpxe', 'ipxe.efi', 'snponly.efi']) copyFileSync(join(IPXE_DIR, f), join(this.tftpRoot, f));
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
    const script = `${base}/boot.ipxe`;
    const efiLoader = tuned ? 'snponly.efi' : 'ipxe.efi';
    const common = [
      'port=0', // no DNS
      `interface=${bridge}`,
      'bind-interfaces',
      'user=root',
      'log-dhcp',
      `pid-file=${join(workDir, 'dnsmasq.pid')}`,
      'enable-tftp',
      `tftp-root=${this.tftpRoot}`,
      'dhcp-userclass=set:ipxe,iPXE',
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
    ];
    const full = [
      `dhcp-range=${range.first},${range.last},255.255.255.0,1h`,
      'dhcp-authoritative',
      `dhcp-option=option:router,${serverIp}`,
      ...(tuned ? ['dhcp-option=tag:ipxe,encap:175,176,1'] : []), // ipxe.no-pxedhcp
      `dhcp-boot=tag:ipxe,${script}`,
      `dhcp-boot=tag:!ipxe,tag:efi64,${efiLoader},,${serverIp}`,
      `dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,${serverIp}`,
    ];
    // proxyDHCP: the LAN's server gives addresses; dnsmasq adds only the boot information.
    const proxyDhcp = [
      `dhcp-range=${serverIp},proxy,255.255.255.0`,
      'pxe-prompt="Bootcast bench reference (proxyDHCP)",0',
      'pxe-service=tag:!ipxe,x86PC,"BIOS",undionly.kpxe',
      `pxe-service=tag:ipxe,x86PC,"BIOS iPXE",${script}`,
      `pxe-service=tag:!ipxe,x86-64_EFI,"UEFI",${efiLoader}`,
      `pxe-service=tag:ipxe,x86-64_EFI,"UEFI iPXE",${script}`,
    ];
    writeFileSync(this.conf, [...common, ...(proxy ? proxyDhcp : full), ''].join('\n'));
  }

  /** Starts dnsmasq, busybox httpd (and the RA responder when tuned) with a fresh lease file; resolves once they listen. */
  async start(run: string): Promise<void> {
    const { lab, ns, serverIp, workDir, bridge, tuned, raResponder } = this.opts;
    this.dnsmasq = new NsServer(lab, ns, 'dnsmasq', 'dnsmasq', ['--no-daemon', `--conf-file=${this.conf}`, `--dhcp-leasefile=${join(workDir, `${run}.leases`)}`], join(workDir, `${run}.dnsmasq.log`));
    this.httpd = new NsServer(lab, ns, 'busybox httpd', 'busybox', ['httpd', '-f', '-p', `${serverIp}:80`, '-h', this.httpRoot], join(workDir, `${run}.httpd.log`));
    this.dnsmasq.start();
    this.httpd.start();
    if (tuned && raResponder) {
      this.ra = new NsServer(lab, ns, 'ra-responder', 'python3', [raResponder, bridge], join(workDir, `${run}.ra.log`));
      this.ra.start();
      await this.ra.waitReady([], 15_000, /^ready$/m);
    }
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
    await this.ra?.stop([]);
    this.httpd = this.dnsmasq = this.ra = undefined;
  }
}
