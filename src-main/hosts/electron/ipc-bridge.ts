import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { API_EVENTS, API_METHODS, type ApiClient, type ApiMethod } from '../../shared/api.ts';
import { callChannel, eventChannel, type IpcReply } from '../../preload/bridge.ts';

/**
 * Only our own window's top frame, showing our own page, may call the engine: an iframe or a
 * page navigated elsewhere (both blocked in main.ts anyway) gets nothing.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow, isOwnPage: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || window.isDestroyed()) return false;
  if (event.sender !== window.webContents) return false;
  if (frame !== window.webContents.mainFrame) return false;
  return isOwnPage(frame.url);
}

/**
 * Registers one ipcMain handler per contract method and forwards every contract event to the
 * window. Returns how to undo both.
 */
export function bridgeApiToWindow(api: ApiClient, window: BrowserWindow, isOwnPage: (url: string) => boolean): () => void {
  const undo: (() => void)[] = [];
  for (const method of API_METHODS) {
    const channel = callChannel(method);
    ipcMain.handle(channel, async (event, arg: unknown): Promise<IpcReply<ApiMethod>> => {
      if (!isTrustedSender(event, window, isOwnPage)) {
        return { ok: false, error: { code: 'forbidden', message: `refused ${method} from an untrusted frame` } };
      }
      try {
        return { ok: true, result: await api.call(method, arg as never) };
      } catch (err) {
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
        return { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
      }
    });
    undo.push(() => ipcMain.removeHandler(channel));
  }
  for (const event of API_EVENTS) {
    undo.push(
      api.on(event, (payload) => {
        if (!window.isDestroyed()) window.webContents.send(eventChannel(event), payload);
      }),
    );
  }
  return () => {
    for (const fn of undo.splice(0).reverse()) fn();
  };
}
