import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, ApiEvents, ServerSettings } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';
import { EngineSwitch, type LocalEngine } from './engine-switch.ts';
import type { RemoteEngine } from './remote-engine.ts';

/** An engine that answers from a table and records what it was asked. */
function fakeEngine(name: string, settings: Partial<ServerSettings> = {}) {
  const events = new Emitter<ApiEvents>();
  const calls: string[] = [];
  let disposed = false;
  let keepServing: boolean | undefined;
  const api: ApiClient & LocalEngine = {
    async call(method) {
      calls.push(method);
      const answers: Record<string, unknown> = {
        'server.settings': { interface: 'eth1', dhcpMode: 'off', menuTimeoutSec: 5, ports: { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 80, nbd: 10809 }, ...settings },
        'server.start': { phase: 'running', by: name },
        'server.state': { phase: 'stopped', by: name },
        'images.list': [],
        'nat.state': { enabled: false },
      };
      return answers[method] as never;
    },
    on: (event, listener) => {
      const d = events.on(event, listener);
      return () => d.dispose();
    },
    dispose() {
      disposed = true;
    },
  };
  const closed = new Emitter<{ closed: { code: number } }>();
  const remote = Object.assign(api, {
    setKeepServing: async (on: boolean) => ((keepServing = on), { keepServing: on }),
    onClosed: (l: (e: { code: number }) => void) => {
      const d = closed.on('closed', l);
      return () => d.dispose();
    },
    close() {},
  });
  return { api, remote: remote as unknown as RemoteEngine, events, calls, isDisposed: () => disposed, keepServing: () => keepServing, die: () => closed.emit('closed', { code: 1006 }) };
}

describe('the desktop engine switch', () => {
  it('stays in-process when nothing needs privileges', async () => {
    const local = fakeEngine('local');
    let launched = 0;
    const sw = new EngineSwitch({ local: local.api, startNotice: () => null, natNeedsHelper: false, launch: async () => ((launched += 1), fakeEngine('helper').remote) });
    expect(await sw.call('server.start', undefined)).toMatchObject({ by: 'local' });
    expect(await sw.call('server.privileges', undefined)).toEqual({ notice: null });
    expect(launched).toBe(0);
  });

  it('moves to the helper on Start when ports need it, passes keep serving on, and forwards the helper\'s events', async () => {
    const local = fakeEngine('local');
    const helper = fakeEngine('helper');
    let launched = 0;
    const sw = new EngineSwitch({ local: local.api, startNotice: () => 'will ask', natNeedsHelper: true, launch: async () => ((launched += 1), helper.remote) });
    await sw.setKeepServing(true);
    expect(await sw.call('server.privileges', undefined)).toEqual({ notice: 'will ask' });
    const seen: unknown[] = [];
    sw.on('server.state', (s) => seen.push(s));
    expect(await sw.call('server.start', undefined)).toMatchObject({ by: 'helper' });
    expect(launched).toBe(1);
    expect(local.isDisposed()).toBe(true);
    expect(helper.keepServing()).toBe(true);
    expect(seen).toEqual([{ phase: 'stopped', by: 'helper' }]); // the switch told the UI what the new engine holds
    helper.events.emit('server.state', { phase: 'running' } as never);
    local.events.emit('server.state', { phase: 'error' } as never); // the old engine is no longer heard
    expect(seen.at(-1)).toEqual({ phase: 'running' });
    expect(await sw.call('server.privileges', undefined)).toEqual({ notice: null });
    await sw.call('server.start', undefined);
    expect(launched).toBe(1); // asked once per session
  });

  it('keeps the in-process engine when the password prompt is cancelled', async () => {
    const local = fakeEngine('local');
    const sw = new EngineSwitch({ local: local.api, startNotice: () => 'will ask', natNeedsHelper: true, launch: async () => {
      throw new Error('the password prompt was closed');
    } });
    await expect(sw.call('server.start', undefined)).rejects.toThrow('the password prompt was closed');
    expect(local.isDisposed()).toBe(false);
    expect(await sw.call('server.state', undefined)).toMatchObject({ by: 'local' });
  });

  it('moves to the helper for internet sharing too, and after losing the helper falls back to a fresh in-process engine and asks again', async () => {
    const helpers = [fakeEngine('helper-1'), fakeEngine('helper-2')];
    let launched = 0;
    const lost: string[] = [];
    const sw = new EngineSwitch({
      local: fakeEngine('local').api, startNotice: () => null, natNeedsHelper: true,
      launch: async () => helpers[launched++]!.remote,
      recreateLocal: async () => fakeEngine('local-again').api,
      onHelperLost: (why) => lost.push(why),
    });
    await sw.call('nat.enable', {});
    expect(launched).toBe(1);
    const states: unknown[] = [];
    sw.on('server.state', (s) => states.push(s));
    helpers[0]!.die();
    await vi.waitFor(() => expect(states).toContainEqual({ phase: 'stopped', by: 'local-again' }));
    expect(lost).toEqual(['the privileged engine stopped']);
    expect(sw.privileged).toBe(false);
    await sw.call('nat.enable', {});
    expect(launched).toBe(2);
  });

  it('takes over a helper an earlier window left serving, and tells the UI what it holds', async () => {
    const local = fakeEngine('local');
    const running = fakeEngine('helper');
    let launched = 0;
    const sw = new EngineSwitch({ local: local.api, startNotice: () => 'will ask', natNeedsHelper: true, launch: async () => ((launched += 1), running.remote) });
    const states: unknown[] = [];
    sw.on('server.state', (s) => states.push(s));
    await sw.adopt(running.remote);
    expect(local.isDisposed()).toBe(true);
    expect(states).toEqual([{ phase: 'stopped', by: 'helper' }]);
    expect(await sw.call('server.start', undefined)).toMatchObject({ by: 'helper' });
    expect(launched).toBe(0);
    expect(running.keepServing()).toBe(false); // the new window starts with keep serving off until asked
  });
});
