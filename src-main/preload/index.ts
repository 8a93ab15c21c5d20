// Runs sandboxed (CommonJS build): only `electron`'s renderer modules are available here.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_EVENTS, API_METHODS, type ApiEvent, type ApiEvents, type ApiMethod } from '../shared/api.ts';
import { callChannel, eventChannel, OPEN_LOGS_CHANNEL, type BootcastBridge, type IpcReply } from './bridge.ts';

const METHODS = new Set<string>(API_METHODS);
const EVENTS = new Set<string>(API_EVENTS);

/** An Error the renderer can read the engine's code from (contextBridge keeps `message` only, so `code` rides in it too). */
function apiError(error: { code: string; message: string }): Error {
  return Object.assign(new Error(error.message), { code: error.code });
}

const bridge: BootcastBridge = {
  async call(method, arg) {
    // Exactly the contract: a page script cannot reach any other channel through this object.
    if (!METHODS.has(method)) throw apiError({ code: 'unknown-method', message: `no API method '${String(method)}'` });
    const reply = (await ipcRenderer.invoke(callChannel(method as ApiMethod), arg)) as IpcReply<typeof method>;
    if (!reply.ok) throw apiError(reply.error);
    return reply.result;
  },
  on(event, listener) {
    if (!EVENTS.has(event)) throw new Error(`no API event '${String(event)}'`);
    const channel = eventChannel(event as ApiEvent);
    // The IpcRendererEvent (with its `sender`) is dropped: the page gets the payload only.
    const wrapped = (_e: unknown, payload: ApiEvents[typeof event]) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
  pathForFile(file) {
    return webUtils.getPathForFile(file);
  },
  async openLogsFolder() {
    await ipcRenderer.invoke(OPEN_LOGS_CHANNEL);
  },
};

contextBridge.exposeInMainWorld('bootcast', bridge);
