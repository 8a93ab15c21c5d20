import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvents, ClientSummary } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';

const electron = vi.hoisted(() => ({
  blockers: [] as string[],
  stopped: [] as number[],
  notifications: [] as { title: string; body: string }[],
  tooltips: [] as string[],
  menus: [] as { label?: string; checked?: boolean }[][],
  dialogAnswer: 0,
  dialogs: [] as { message: string; buttons: string[] }[],
}));

vi.mock('electron', () => ({
  Tray: class {
    on() {}
    setToolTip(t: string) {
      electron.tooltips.push(t);
    }
    setContextMenu(m: { items: { label?: string; checked?: boolean }[] }) {
      electron.menus.push(m.items);
    }
    destroy() {}
  },
  Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
  nativeImage: { createFromPath: () => ({}) },
  powerSaveBlocker: {
    start: (kind: string) => electron.blockers.push(kind),
    stop: (id: number) => electron.stopped.push(id),
  },
  Notification: class {
    static isSupported = () => true;
    constructor(private readonly n: { title: string; body: string }) {}
    show() {
      electron.notifications.push(this.n);
    }
  },
  dialog: {
    showMessageBoxSync: (_w: unknown, o: { message: string; buttons: string[] }) => {
      electron.dialogs.push(o);
      return electron.dialogAnswer;
    },
  },
}));

const { DesktopShell } = await import('./desktop-shell.ts');

const client = (mac: string, stage: ClientSummary['stage']): ClientSummary => ({
  mac, stage, firmware: 'uefi', ipxe: true, firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString(), eventCount: 3,
});

function fakeApi(phase: string, clients: ClientSummary[]) {
  const events = new Emitter<ApiEvents>();
  return {
    events,
    state: { phase, services: [], errors: [], warnings: [] },
    clients,
    async call(method: string) {
      return (method === 'server.state' ? this.state : this.clients) as never;
    },
    on<E extends keyof ApiEvents>(event: E, l: (p: ApiEvents[E]) => void) {
      const d = events.on(event, l);
      return () => d.dispose();
    },
  };
}

describe('the desktop shell (tray, close question, power, notifications)', () => {
  beforeEach(() => {
    for (const k of ['blockers', 'stopped', 'notifications', 'tooltips', 'menus', 'dialogs'] as const) electron[k].length = 0;
  });

  function make(api: ReturnType<typeof fakeApi>) {
    const kept: boolean[] = [];
    const shell = new DesktopShell({ api, setKeepServing: async (on) => void kept.push(on), iconPath: 'tray.png', showWindow() {}, openLogsFolder() {}, quit() {}, log() {} });
    return { shell, kept };
  }

  it('blocks sleep while serving and shows booting and stuck counts in the tray, then lets go when stopped', async () => {
    const api = fakeApi('running', [client('52:54:00:00:00:01', 'kernel'), client('52:54:00:00:00:02', 'stalled'), client('52:54:00:00:00:03', 'done')]);
    const { shell } = make(api);
    await shell.refresh();
    expect(electron.blockers).toEqual(['prevent-app-suspension']);
    expect(electron.tooltips.at(-1)).toBe('Bootcast — serving: 1 booting, 1 stuck, 1 done');
    api.state = { ...api.state, phase: 'stopped' };
    await shell.refresh();
    expect(electron.stopped).toHaveLength(1);
    expect(electron.tooltips.at(-1)).toBe('Bootcast — not serving');
    shell.dispose();
  });

  it('asks before closing on machines mid-boot, and not when keep serving is on or nobody is booting', async () => {
    const api = fakeApi('running', [client('52:54:00:00:00:01', 'kernel')]);
    const { shell, kept } = make(api);
    await shell.refresh();
    electron.dialogAnswer = 0;
    expect(shell.askBeforeClose({} as never)).toBe('keep-serving');
    expect(electron.dialogs[0]!.message).toBe('1 machine is still booting from this laptop.');
    electron.dialogAnswer = 2;
    expect(shell.askBeforeClose({} as never)).toBe('cancel');
    await shell.setKeepServing(true);
    expect(kept).toEqual([true]);
    expect(electron.menus.at(-1)!.find((i) => i.label?.startsWith('Keep serving'))!.checked).toBe(true);
    expect(shell.askBeforeClose({} as never)).toBeUndefined();
    api.clients = [client('52:54:00:00:00:01', 'done')];
    await shell.setKeepServing(false);
    await shell.refresh();
    expect(shell.askBeforeClose({} as never)).toBeUndefined();
    shell.dispose();
  });

  it('notifies of a finished or stuck machine only once switched on', () => {
    const api = fakeApi('running', []);
    const { shell } = make(api);
    api.events.emit('clients.updated', client('52:54:00:00:00:01', 'done'));
    expect(electron.notifications).toEqual([]);
    shell.notify = true;
    api.events.emit('clients.updated', { ...client('52:54:00:00:00:02', 'stalled'), stalledHint: 'no TFTP after the offer' });
    api.events.emit('clients.updated', { ...client('52:54:00:00:00:02', 'stalled'), stalledHint: 'no TFTP after the offer' });
    expect(electron.notifications).toEqual([{ title: 'Machine stuck', body: '52:54:00:00:00:02: no TFTP after the offer' }]);
    shell.dispose();
  });
});
