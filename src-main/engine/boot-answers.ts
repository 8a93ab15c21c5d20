import { chooseFirstStageLoader } from '../boot/first-stage-loader.ts';
import { ipxeChainUrl, parseBootScriptQuery, parseImageUrlPath, WIMBOOT_PATH } from '../boot/image-urls.ts';
import { renderBootScript, renderChainScript } from '../boot/ipxe-script.ts';
import type { BootPolicy } from '../servers/dhcp/dhcp-events.ts';
import type { FileRequestContext } from '../servers/file-source.ts';
import type { LogEntry, ServerSettings } from '../shared/api.ts';
import type { BootScriptEvent } from '../shared/timeline-event.ts';
import { ImageLibrary } from './image-library.ts';
import type { FileClassification } from './timeline/server-event-mapper.ts';

/**
 * The engine's boot answers: what DHCP offers each classified client (the policy), the iPXE
 * script a client gets, and which image and boot-plan role a served path has. One instance
 * per engine; `serveAt` tells it the address the services run on.
 */
export interface BootAnswersOptions {
  library: ImageLibrary;
  settings: () => ServerSettings;
  log: (level: LogEntry['level'], source: string, message: string, client?: string) => void;
  /** Records what the script told the client (the timeline judges the next step from it). */
  record: (event: BootScriptEvent) => void;
}

export class BootAnswers {
  private baseUrl = '';
  private serverAddress = '';

  constructor(private readonly o: BootAnswersOptions) {}

  serveAt(serverAddress: string, baseUrl: string): void {
    this.serverAddress = serverAddress;
    this.baseUrl = baseUrl;
  }

  /** What DHCP tells each client: a first-stage loader by TFTP, or iPXE its per-client script URL. */
  policy(): BootPolicy {
    return (client) => {
      if (client.ipxe) return { bootFile: ipxeChainUrl(this.baseUrl), nextServer: this.serverAddress };
      // snponly.efi drives the NIC through the firmware's own SNP driver, which already worked for
      // PXE: it starts ~4 s sooner than ipxe.efi (no driver probing) and avoids iPXE drivers that
      // misbehave on some vendors' NICs.
      const choice = chooseFirstStageLoader(client, 'snponly.efi');
      if (!choice.loader) {
        this.o.log('warn', 'dhcp', `${client.mac}: no boot file offered: ${choice.reason}`, client.mac);
        return null;
      }
      const bootFile = choice.transport === 'http' ? `${this.baseUrl}/${choice.loader}` : choice.loader;
      return { bootFile, nextServer: this.serverAddress };
    };
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

  /** Tags transfer events with the image and the file's role in that image's boot plan. */
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
    return { image: target.imageId };
  }
}
