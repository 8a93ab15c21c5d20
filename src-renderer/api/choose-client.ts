import type { BootcastBridge } from '../../src-main/preload/bridge.ts';
import type { BootcastClient } from './bootcast-client.ts';
import { createIpcClient } from './ipc-client.ts';
import { createWsClient } from './ws-client.ts';

const TOKEN_KEY = 'bootcast.token';

/**
 * Electron's preload defines `window.bootcast`; otherwise this page came from the headless
 * host with `?token=…`. The token moves into sessionStorage and out of the address bar, so a
 * reload still works and a screenshot of the window does not show it.
 */
export function chooseClient(win: Window & { bootcast?: BootcastBridge } = window): BootcastClient {
  if (win.bootcast) return createIpcClient(win.bootcast);
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const token = fromUrl ?? win.sessionStorage.getItem(TOKEN_KEY) ?? '';
  return createWsClient({ origin: url.origin, token });
}
