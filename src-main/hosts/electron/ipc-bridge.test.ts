import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_METHODS, type ApiClient, type ApiEvents } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';

// A stand-in for Electron's ipcMain: the real one only exists inside the Electron binary.
const handlers = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { bridgeApiToWindow } = await import('./ipc-bridge.ts');

const OWN_PAGE = 'file:///app/out/renderer/index.html';

function fakeWindow() {
  const sent: [string, unknown][] = [];
  const mainFrame = { url: OWN_PAGE };
  const webContents = { mainFrame, send: (channel: string, payload: unknown) => sent.push([channel, payload]) };
  return { window: { webContents, isDestroyed: () => false }, mainFrame, webContents, sent };
}

function fakeEngine() {
  const events = new Emitter<ApiEvents>();
  const api: ApiClient = {
    async call(method, arg) {
      if (method === 'images.remove') throw Object.assign(new Error('no such image'), { code: 'not-found' });
      return { method, arg } as never;
    },
    on(event, listener) {
      const d = events.on(event, listener);
      return () => d.dispose();
    },
  };
  return { api, events };
}

describe('the Electron IPC bridge', () => {
  afterEach(() => handlers.clear());

  it('registers exactly one handler per contract method, and removes them all again', () => {
    const { window } = fakeWindow();
    const undo = bridgeApiToWindow(fakeEngine().api, window as never, (u) => u === OWN_PAGE);
    expect([...handlers.keys()].sort()).toEqual(API_METHODS.map((m) => `bootcast:call:${m}`).sort());
    undo();
    expect(handlers.size).toBe(0);
  });

  it('answers calls from the window’s own top frame with the engine’s result or its error', async () => {
    const w = fakeWindow();
    bridgeApiToWindow(fakeEngine().api, w.window as never, (u) => u === OWN_PAGE);
    const event = { sender: w.webContents, senderFrame: w.mainFrame };
    expect(await handlers.get('bootcast:call:images.add')!(event, { paths: ['/a.iso'] })).toEqual({ ok: true, result: { method: 'images.add', arg: { paths: ['/a.iso'] } } });
    expect(await handlers.get('bootcast:call:images.remove')!(event, { id: 'x' })).toEqual({ ok: false, error: { code: 'not-found', message: 'no such image' } });
  });

  it('refuses calls from a subframe or from a page that is not ours', async () => {
    const w = fakeWindow();
    bridgeApiToWindow(fakeEngine().api, w.window as never, (u) => u === OWN_PAGE);
    const call = handlers.get('bootcast:call:server.start')!;
    const fromIframe = await call({ sender: w.webContents, senderFrame: { url: OWN_PAGE } }, undefined);
    expect(fromIframe).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    w.mainFrame.url = 'https://evil.example/';
    const fromElsewhere = await call({ sender: w.webContents, senderFrame: w.mainFrame }, undefined);
    expect(fromElsewhere).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('forwards engine events to the window until undone', () => {
    const w = fakeWindow();
    const engine = fakeEngine();
    const undo = bridgeApiToWindow(engine.api, w.window as never, () => true);
    engine.events.emit('clients.cleared', undefined);
    undo();
    engine.events.emit('clients.cleared', undefined);
    expect(w.sent).toEqual([['bootcast:event:clients.cleared', undefined]]);
  });
});
