import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { BootcastBridge } from './bridge.ts';

// Stand-ins for the renderer-side Electron modules, which only exist inside Electron.
const exposed: Record<string, unknown> = {};
const invoked: { channel: string; arg: unknown }[] = [];
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
let reply: unknown = { ok: true, result: 'fine' };

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: async (channel: string, arg: unknown) => {
      invoked.push({ channel, arg });
      return reply;
    },
    on: (channel: string, fn: (event: unknown, payload: unknown) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(fn);
    },
    removeListener: (channel: string, fn: (event: unknown, payload: unknown) => void) => listeners.get(channel)?.delete(fn),
  },
  webUtils: { getPathForFile: (file: { name: string }) => `/home/tech/${file.name}` },
}));

describe('the preload bridge', () => {
  let bridge: BootcastBridge;
  beforeAll(async () => {
    await import('./index.ts');
    bridge = exposed.bootcast as BootcastBridge;
  });

  it('exposes only call, on, pathForFile and openLogsFolder on window.bootcast', () => {
    expect(Object.keys(exposed)).toEqual(['bootcast']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'on', 'openLogsFolder', 'pathForFile']);
  });

  it('asks main to open the logs folder on its own channel, with no argument a page could abuse', async () => {
    reply = undefined as never;
    await bridge.openLogsFolder();
    expect(invoked.at(-1)).toEqual({ channel: 'bootcast:desktop:open-logs', arg: undefined });
  });

  it('sends a contract call on its own channel and returns the result', async () => {
    reply = { ok: true, result: [{ id: 'arch' }] };
    await expect(bridge.call('images.add', { paths: ['/a.iso'] })).resolves.toEqual([{ id: 'arch' }]);
    expect(invoked.at(-1)).toEqual({ channel: 'bootcast:call:images.add', arg: { paths: ['/a.iso'] } });
  });

  it('rejects with the engine’s message and code when the call failed', async () => {
    reply = { ok: false, error: { code: 'not-found', message: 'no such image' } };
    await expect(bridge.call('images.remove', { id: 'x' })).rejects.toMatchObject({ message: 'no such image', code: 'not-found' });
  });

  it('refuses a method outside the contract without touching IPC', async () => {
    const before = invoked.length;
    await expect(bridge.call('shell.exec' as never, 'rm -rf /' as never)).rejects.toThrow(/no API method/);
    expect(invoked.length).toBe(before);
  });

  it('hands listeners the payload only, never the IPC event, and unsubscribes', () => {
    const got: unknown[] = [];
    const off = bridge.on('clients.cleared', (...args: unknown[]) => got.push(args));
    const [wrapped] = [...listeners.get('bootcast:event:clients.cleared')!];
    wrapped!({ sender: 'secret ipcRenderer' }, undefined);
    expect(got).toEqual([[undefined]]);
    off();
    expect(listeners.get('bootcast:event:clients.cleared')!.size).toBe(0);
    expect(() => bridge.on('process.spawn' as never, () => {})).toThrow(/no API event/);
  });

  it('gives the path of a dropped file', () => {
    expect(bridge.pathForFile({ name: 'debian.iso' } as File)).toBe('/home/tech/debian.iso');
  });
});
