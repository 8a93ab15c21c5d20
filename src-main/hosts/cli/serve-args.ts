import { SECURE_BOOT_CLIENT_MODES, type DhcpMode, type PortSettings, type SecureBootClients } from '../../shared/api.ts';
import { parseLimitAssignment, type ServerLimits } from '../../shared/server-limits.ts';
import { UsageError } from './usage-error.ts';

export const SERVE_USAGE = `Usage: bootcast serve [IMAGE…] --interface NAME [options]

Network-boots the images for machines on the network behind NAME, until Ctrl-C.

  --interface NAME       the network card facing the machines to boot (required; see \`ip -br addr\`)
  --dhcp MODE            auto (default): proxy if another DHCP server answers, else full
                         proxy: answer PXE clients only, hand out no addresses
                         full:  hand out addresses from --range (only on a network without DHCP)
                         off:   no DHCP (another server points clients at this one)
  --range FIRST-LAST     address pool for full mode (default: the interface's subnet, .100-.199)
  --nat UPLINK           share UPLINK's internet connection with the booted machines
  --ui-port N            serve the web UI and API on http://127.0.0.1:N (a token is printed)
  --events FILE|-        write the per-client timeline as JSON lines to FILE, or - for stdout
  --data-dir DIR         where leases, settings and logs are kept (default: the user's app-data folder)
  --dhcp-port N          DHCP server port (default 67)
  --proxy-dhcp-port N    PXE proxyDHCP port (default 4011)
  --tftp-port N          TFTP port (default 69)
  --http-port N          HTTP port (default 80)
  --nbd-port N           NBD port (default 10809)
  --menu-timeout S       seconds the iPXE menu waits before booting the default (default 10)
  --limit NAME=VALUE     change one of the bounds that protect Bootcast from a hostile or broken
                         network (repeatable), e.g. --limit httpMaxConnectionsPerAddress=32,
                         --limit uploadMaxBytes=64G, --limit sendStallTimeoutMs=120s; the names
                         and defaults are listed in the README ("Limits")
  --wimboot PATH         the wimboot Windows PE/Setup images boot through (Bootcast does not bundle
                         it; default: $BOOTCAST_WIMBOOT, else <data-dir>/wimboot)
  --setup-share on|off   on (default): share each Windows Setup ISO read-only over SMB on the boot
                         address so Setup finds its install files (Linux: needs root and Samba's
                         smbd; mounts the ISO); off: WinPE boots, Setup finds no install files
  --plan ID              boot every image that offers it this way: http (default), nbd (stream the
                         live system over NBD: needs less client RAM), sanboot; see \`bootcast iso info\`
  --secure-boot MODE     UEFI machines with Secure Boot on boot the image's own signed chain (shim, GRUB):
                         auto (default): iPXE first; a machine whose firmware refuses it gets the
                                         signed chain from its next attempt on (remembered per MAC)
                         always: every UEFI machine gets the signed chain;  never: iPXE only

Exit status: 0 after a clean stop, 1 when an image or the interface is not found, 2 on bad input.`;

export interface ServeArgs {
  images: string[];
  interfaceName: string;
  dhcpMode: DhcpMode;
  range?: { first: string; last: string };
  natUplink?: string;
  uiPort?: number;
  events?: string;
  dataDir?: string;
  wimboot?: string;
  ports: Partial<PortSettings>;
  menuTimeoutSec?: number;
  plan?: string;
  secureBoot?: SecureBootClients;
  setupShare?: boolean;
  limits: Partial<ServerLimits>;
  help: boolean;
}

const PORT_FLAGS: Record<string, keyof PortSettings> = {
  '--dhcp-port': 'dhcp',
  '--proxy-dhcp-port': 'proxyDhcp',
  '--tftp-port': 'tftp',
  '--http-port': 'http',
  '--nbd-port': 'nbd',
};
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function bad(message: string): never {
  throw new UsageError(message, SERVE_USAGE);
}

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) bad(`${flag} takes a port number from 1 to 65535, not '${value}'`);
  return n;
}

/** Parses `bootcast serve` arguments; `--flag value` and `--flag=value` both work. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = { images: [], interfaceName: '', dhcpMode: 'auto', ports: {}, limits: {}, help: false };
  const args = argv.flatMap((a) => (a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || (v.startsWith('--') && v !== '-')) bad(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--interface' || a === '-i') out.interfaceName = value();
    else if (a === '--dhcp') {
      const v = value();
      if (!['auto', 'proxy', 'full', 'off'].includes(v)) bad(`--dhcp takes auto, proxy, full or off, not '${v}'`);
      out.dhcpMode = v as DhcpMode;
    } else if (a === '--range') {
      const v = value();
      const [first, last, extra] = v.split('-');
      if (!first || !last || extra !== undefined || !IPV4.test(first) || !IPV4.test(last)) bad(`--range takes FIRST-LAST IPv4 addresses, e.g. 198.18.0.100-198.18.0.199, not '${v}'`);
      out.range = { first, last };
    } else if (a === '--nat') out.natUplink = value();
    else if (a === '--ui-port') out.uiPort = port(a, value());
    else if (a === '--events') out.events = value();
    else if (a === '--data-dir') out.dataDir = value();
    else if (a === '--wimboot') out.wimboot = value();
    else if (a === '--menu-timeout') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 3600) bad(`--menu-timeout takes seconds from 0 to 3600, not '${v}'`);
      out.menuTimeoutSec = Number(v);
    } else if (a === '--plan') {
      const v = value();
      if (!/^[a-z0-9-]{1,32}$/.test(v)) bad(`--plan takes a plan id such as http, nbd or sanboot, not '${v}'`);
      out.plan = v;
    } else if (a === '--secure-boot') {
      const v = value();
      if (!(SECURE_BOOT_CLIENT_MODES as readonly string[]).includes(v)) bad(`--secure-boot takes ${SECURE_BOOT_CLIENT_MODES.join(', ')}, not '${v}'`);
      out.secureBoot = v as SecureBootClients;
    } else if (a === '--setup-share') {
      const v = value();
      if (v !== 'on' && v !== 'off') bad(`--setup-share takes on or off, not '${v}'`);
      out.setupShare = v === 'on';
    } else if (a === '--limit') {
      const parsed = parseLimitAssignment(value());
      if ('error' in parsed) bad(parsed.error);
      (out.limits as Record<string, number | boolean>)[parsed.name] = parsed.value;
    } else if (a in PORT_FLAGS) out.ports[PORT_FLAGS[a]!] = port(a, value());
    else if (a.startsWith('-') && a !== '-') bad(`unknown option ${a}`);
    else out.images.push(a);
  }
  if (!out.help && !out.interfaceName) bad('--interface NAME is required: the network card facing the machines to boot');
  return out;
}
