import { chooseFirstStageLoader, LOADER_FILES, type LoaderHistory } from '../boot/first-stage-loader.ts';
import { ipxeChainUrl, parseBootScriptQuery, parseImageUrlPath, WIMBOOT_PATH } from '../boot/image-urls.ts';
import { renderBootScript, renderChainScript } from '../boot/ipxe-script.ts';
import { renderGrubConfig } from '../boot/secure-boot/grub-net-config.ts';
import { shimBootFile, signedChainImages } from '../boot/secure-boot/signed-chain-paths.ts';
import type { PxeClientInfo } from '../pxe/client-class.ts';
import type { BootPolicy } from '../servers/dhcp/dhcp-events.ts';
import type { FileRequestContext } from '../servers/file-source.ts';
import type { LogEntry, ServerSettings } from '../shared/api.ts';
import type { BootChainEvent, BootScriptEvent, TimelineEvent } from '../shared/timeline-event.ts';
import { transferFileRole } from '../iso/boot-relevant-files.ts';
import { ImageLibrary } from './image-library.ts';
import type { ChainChoice, SecureBootClientChooser } from './secure-boot-clients.ts';
import type { FileClassification } from './timeline/server-event-mapper.ts';

/**
 * The engine's boot answers: what DHCP offers each classified client (the policy: iPXE, or an
 * image's signed chain for a Secure Boot machine), the iPXE script or grub.cfg a client gets, and
 * which image and boot-plan role a served path has. One instance
 * per engine; `serveAt` tells it the address the services run on.
 */
export interface BootAnswersOptions {
  library: ImageLibrary;
  settings: () => ServerSettings;
  log: (level: LogEntry['level'], source: string, message: string, client?: string) => void;
  /** Records what the script told the client (the timeline judges the next step from it) and each chain choice. */
  record: (event: BootScriptEvent | BootChainEvent) => void;
  /** Which chain a UEFI client gets (iPXE or the signed chain for Secure Boot). */
  secureBootClients: SecureBootClientChooser;
  /** The MAC behind a client address (TFTP requests carry none). */
  resolveMac: (ip: string) => string | undefined;
  /** What this MAC did with its last first-stage loader (LoaderAttempts). */
  loaderHistory: (mac: string) => LoaderHistory;
}

const MAX_REMEMBERED_CLIENTS = 4096;

const CHAIN_TEXT: Record<ChainChoice['chain'], string> = {
  ipxe: 'iPXE chain',
  signed: 'signed chain (shim → GRUB → signed kernel) for Secure Boot',
  none: 'nothing to boot with Secure Boot on',
};

export class BootAnswers {
  private baseUrl = '';
  private serverAddress = '';
  private proxyDhcp = false;
  /** The chain each client was last told about, so the timeline states a choice once, not per DHCP packet. */
  private readonly announcedChain = new Map<string, string>();

  constructor(private readonly o: BootAnswersOptions) {}

  /**
   * Debian's GRUB 2.06 takes its TFTP server from the firmware's DHCP ACK, not from a proxyDHCP
   * offer: behind another DHCP server (proxy mode) it finds no grub.cfg and stops at its prompt
   * (seen with OVMF and dnsmasq as the LAN server). The timeline says so with the choice.
   */
  dhcpModeIs(mode: 'full' | 'proxy' | 'off'): void {
    this.proxyDhcp = mode === 'proxy';
  }

  serveAt(serverAddress: string, baseUrl: string): void {
    this.serverAddress = serverAddress;
    this.baseUrl = baseUrl;
  }

  /**
   * What DHCP tells each client: iPXE (a NIC's iPXE ROM, or the loader Bootcast sent, once it
   * runs) its per-client script URL, never a loader again; anything else the
   * first-stage loader for its architecture and what it did with the last one.
   */
  policy(): BootPolicy {
    return (client) => {
      const chain = this.chooseChain(client);
      if (chain.chain === 'signed') {
        const image = signedChainImages(this.o.library.list())[0]!;
        return { bootFile: shimBootFile(image.id), nextServer: this.serverAddress };
      }
      if (chain.chain === 'none') {
        this.o.log('warn', 'dhcp', `${client.mac}: no boot file offered: ${chain.reason}`, client.mac);
        return null;
      }
      if (client.ipxe) return { bootFile: ipxeChainUrl(this.baseUrl), nextServer: this.serverAddress };
      const choice = chooseFirstStageLoader(client, this.o.loaderHistory(client.mac));
      if (!choice.loader) {
        this.o.log('warn', 'dhcp', `${client.mac}: no boot file offered: ${choice.reason}`, client.mac);
        return null;
      }
      const bootFile = choice.transport === 'http' ? `${this.baseUrl}/${choice.loader}` : choice.loader;
      return { bootFile, nextServer: this.serverAddress, reason: choice.reason };
    };
  }

  /** Asks the chain chooser and puts a changed choice on the client's timeline, with its reason. */
  private chooseChain(client: PxeClientInfo): ChainChoice {
    const images = this.o.library.list();
    const choice = this.o.secureBootClients.choose({
      mac: client.mac,
      ipxe: client.ipxe,
      uefiX64Pxe: client.arch === 7 || client.arch === 9,
      uefiX64Http: client.arch === 16,
      signedChainAvailable: signedChainImages(images).length > 0,
      noChainReason: images.map((i) => `${i.fileName}: ${i.error ?? i.secureBoot?.reason ?? 'not inspected'}`).join('; '),
    });
    if (client.ipxe || (choice.chain === 'ipxe' && client.firmware !== 'uefi')) return choice;
    if (choice.chain === 'signed' && this.proxyDhcp) {
      choice.reason += '; note: with proxy DHCP the signed GRUB asks the LAN\'s DHCP server for its TFTP server and may stop at a grub> prompt: use full DHCP mode (or point the LAN server\'s next-server at Bootcast) for Secure Boot machines';
    }
    const key = `${choice.chain} ${choice.reason}`;
    if (this.announcedChain.get(client.mac) === key) return choice;
    this.announcedChain.delete(client.mac);
    this.announcedChain.set(client.mac, key);
    // Bounded like the timeline's client list: forget the machine heard from least recently.
    if (this.announcedChain.size > MAX_REMEMBERED_CLIENTS) this.announcedChain.delete(this.announcedChain.keys().next().value!);
    const event: BootChainEvent = { ts: new Date().toISOString(), kind: 'boot.chain', client: client.mac, chain: choice.chain, reason: choice.reason };
    const image = choice.chain === 'signed' ? signedChainImages(images)[0] : undefined;
    if (image) event.image = image.id;
    if (image?.secureBoot?.vendor) event.vendor = image.secureBoot.vendor;
    this.o.record(event);
    this.o.log('info', 'secure-boot', `${client.mac}: ${CHAIN_TEXT[choice.chain]}: ${choice.reason}`, client.mac);
    return choice;
  }

  /** Feeds the chooser what shows whether a machine's firmware ran the iPXE loader it downloaded. */
  observeForChainChoice(e: TimelineEvent): void {
    const mac = e.client;
    if (!mac) return;
    if ((e.kind === 'tftp.done' || e.kind === 'http.done') && (e.outcome === undefined || e.outcome === 'complete')) {
      const base = e.path.split('?')[0]!.replace(/^\/+/, '');
      const loader = LOADER_FILES.find((l) => l === base || `ipxe/${l}` === base);
      if (loader?.endsWith('.efi')) this.o.secureBootClients.loaderSent(mac, loader);
    }
    if (e.kind === 'boot.script' || (e.kind.startsWith('dhcp.') && 'ipxe' in e && e.ipxe === true)) this.o.secureBootClients.ipxeRan(mac);
  }

  /** The grub.cfg the signed chain's GRUB fetches over TFTP: the images its vendor signed. */
  grubConfig(ctx: FileRequestContext): string {
    const mac = this.o.resolveMac(ctx.remoteAddress);
    const chained = signedChainImages(this.o.library.list());
    const vendor = chained[0]?.secureBoot?.vendor;
    const images = chained
      .filter((i) => i.secureBoot?.vendor === vendor)
      .flatMap((i) => {
        const plan = ImageLibrary.selectedPlan(i);
        return plan?.kernel && (plan.via === 'http' || plan.via === 'nbd') ? [{ id: i.id, name: i.distro ?? i.fileName, plan }] : [];
      });
    const settings = this.o.settings();
    const text = renderGrubConfig({
      serverAddress: this.serverAddress,
      baseUrl: this.baseUrl,
      ...(mac ? { mac } : {}),
      images,
      menuTimeoutSec: settings.menuTimeoutSec,
      nbdPort: settings.ports.nbd,
    });
    const event: BootScriptEvent = { ts: new Date().toISOString(), kind: 'boot.script', ip: ctx.remoteAddress, loader: 'grub', images: images.map((i) => i.id) };
    if (mac) event.client = mac;
    const only = images.length === 1 ? images[0] : undefined;
    if (only) Object.assign(event, { image: only.id, plan: only.plan.id, via: only.plan.via, expectsLive: true });
    else event.menuTimeoutSec = settings.menuTimeoutSec;
    this.o.record(event);
    return text;
  }

  script(ctx: FileRequestContext): string {
    const q = parseBootScriptQuery(ctx.query);
    if (!q.perClient) return renderChainScript(this.baseUrl);
    const images = this.o.library
      .list()
      .filter((i) => !i.error)
      .map((i) => ({ id: i.id, name: i.distro ?? i.fileName, plan: ImageLibrary.selectedPlan(i), plans: i.plans, arch: i.arch }));
    const script = renderBootScript({
      baseUrl: this.baseUrl,
      serverAddress: this.serverAddress,
      client: { mac: q.mac, platform: q.platform, buildarch: q.buildarch },
      images,
      menuTimeoutSec: this.o.settings().menuTimeoutSec,
      nbdPort: this.o.settings().ports.nbd,
    });
    // What the timeline needs to judge the next step: a menu waits menuTimeoutSec for the
    // technician; a sanboot plan fetches no root filesystem after its "kernel".
    const only = images.length === 1 ? images[0] : undefined;
    const event: BootScriptEvent = { ts: new Date().toISOString(), kind: 'boot.script', ip: ctx.remoteAddress, images: images.map((i) => i.id) };
    if (q.mac) event.client = q.mac;
    if (q.platform) event.platform = q.platform;
    if (q.buildarch) event.buildarch = q.buildarch;
    if (only) {
      event.image = only.id;
      if (only.plan) {
        event.plan = only.plan.id;
        event.via = only.plan.via;
      }
      event.expectsLive = only.plan?.via === 'http' || only.plan?.via === 'nbd';
    } else {
      event.menuTimeoutSec = this.o.settings().menuTimeoutSec;
    }
    this.o.record(event);
    return script;
  }

  /**
   * Tags transfer events with the image and the file's role: the selected plan's kernel and
   * initrds by the plan (whatever they are called), anything else by its name.
   */
  classifyPath(path: string): FileClassification | undefined {
    const bare = path.split('?')[0]!;
    // wimboot is the kernel of every Windows plan.
    if (bare === WIMBOOT_PATH) return { role: 'kernel' };
    const target = parseImageUrlPath(bare);
    if (!target) return undefined;
    const img = this.o.library.get(target.imageId);
    if ('wholeImage' in target) return { image: target.imageId, role: 'iso' };
    if (!img) return { image: target.imageId };
    const plan = ImageLibrary.selectedPlan(img.info);
    const inner = target.innerPath.toLowerCase();
    if (plan?.kernel?.toLowerCase() === inner) return { image: target.imageId, role: 'kernel' };
    if (plan?.initrds.some((i) => i.toLowerCase() === inner)) return { image: target.imageId, role: 'initrd' };
    return { image: target.imageId, role: transferFileRole(target.innerPath) };
  }
}
