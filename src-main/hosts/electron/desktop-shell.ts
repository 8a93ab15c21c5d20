// What makes the desktop app keep serving and tell the technician: the tray (keep serving,
// booting and stuck counts), the question before closing on machines mid-boot, the power-save
// blocker while serving, and opt-in notifications. Thin: the decisions are in serving-status.ts.
import { dialog, Menu, nativeImage, Notification, powerSaveBlocker, Tray, type BrowserWindow } from 'electron';
import type { ApiClient, ClientSummary } from '../../shared/api.ts';
import { closeNeedsAsking, notableChange, servingStatus, trayTitle, type ServingStatus } from './serving-status.ts';

export interface DesktopShellOptions {
  api: ApiClient;
  setKeepServing(on: boolean): Promise<void>;
  iconPath: string;
  showWindow(): void;
  openLogsFolder(): void;
  quit(): void;
  log(line: string): void;
}

export type CloseChoice = 'keep-serving' | 'stop-and-quit' | 'cancel';

export class DesktopShell {
  keepServing = false;
  notify = false;
  status: ServingStatus = { running: false, booting: 0, stalled: 0, done: 0 };
  private tray: Tray | undefined;
  private blocker: number | undefined;
  private readonly stages = new Map<string, ClientSummary>();
  private readonly offs: (() => void)[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DesktopShellOptions) {
    try {
      this.tray = new Tray(nativeImage.createFromPath(o.iconPath));
      this.tray.on('click', () => o.showWindow());
    } catch (err) {
      // Some Linux desktops have no tray: the app still works, closing then simply asks.
      o.log(`no tray icon: ${(err as Error).message}`);
    }
    this.offs.push(
      o.api.on('server.state', () => this.scheduleRefresh()),
      o.api.on('clients.cleared', () => this.scheduleRefresh()),
      o.api.on('clients.updated', (c) => {
        this.noticeChange(c);
        this.scheduleRefresh();
      }),
    );
    this.render();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 500);
  }

  async refresh(): Promise<void> {
    const [state, clients] = await Promise.all([this.o.api.call('server.state', undefined), this.o.api.call('clients.list', undefined)]).catch(() => [undefined, undefined]);
    if (!state || !clients) return;
    this.status = servingStatus(state, clients);
    // A laptop that sleeps mid-boot strands every client on it.
    if (this.status.running && this.blocker === undefined) this.blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!this.status.running && this.blocker !== undefined) {
      powerSaveBlocker.stop(this.blocker);
      this.blocker = undefined;
    }
    this.render();
  }

  private noticeChange(c: ClientSummary): void {
    const change = notableChange(this.stages.get(c.mac), c);
    this.stages.set(c.mac, c);
    if (!change || !this.notify || !Notification.isSupported()) return;
    const who = c.vendor ? `${c.vendor} ${c.mac}` : c.mac;
    new Notification({
      title: change === 'done' ? 'Machine booted' : 'Machine stuck',
      body: change === 'done' ? `${who} finished booting${c.image ? ` ${c.image}` : ''}.` : `${who}: ${c.stalledHint ?? 'no progress for a while'}`,
    }).show();
  }

  private render(): void {
    if (!this.tray) return;
    const title = trayTitle(this.status);
    this.tray.setToolTip(title);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: title, enabled: false },
        { type: 'separator' },
        { label: 'Show Bootcast', click: () => this.o.showWindow() },
        { label: 'Keep serving when the window closes', type: 'checkbox', checked: this.keepServing, click: (item) => void this.setKeepServing(item.checked) },
        { label: 'Notify when a machine finishes or gets stuck', type: 'checkbox', checked: this.notify, click: (item) => (this.notify = item.checked) },
        { label: 'Open logs folder', click: () => this.o.openLogsFolder() },
        { type: 'separator' },
        { label: 'Stop serving and quit', click: () => this.o.quit() },
      ]),
    );
  }

  async setKeepServing(on: boolean): Promise<void> {
    this.keepServing = on;
    await this.o.setKeepServing(on).catch((err: Error) => this.o.log(`keep serving: ${err.message}`));
    this.render();
  }

  /** Asked when the window is closing; undefined means close without asking. */
  askBeforeClose(window: BrowserWindow): CloseChoice | undefined {
    if (!closeNeedsAsking(this.status, this.keepServing)) return undefined;
    const busy = [`${this.status.booting} machine${this.status.booting === 1 ? ' is' : 's are'} still booting from this laptop`];
    if (this.status.stalled) busy.push(`${this.status.stalled} stuck`);
    const choice = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: ['Keep serving in the background', 'Stop serving and quit', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
      message: `${busy.join(', ')}.`,
      detail: 'Closing now stops the servers, and machines that still load files from Bootcast (an NBD root, a large initrd) fail. Keep serving puts Bootcast in the tray.',
    });
    return (['keep-serving', 'stop-and-quit', 'cancel'] as const)[choice] ?? 'cancel';
  }

  get hasTray(): boolean {
    return this.tray !== undefined;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const off of this.offs.splice(0)) off();
    if (this.blocker !== undefined) powerSaveBlocker.stop(this.blocker);
    this.tray?.destroy();
  }
}
