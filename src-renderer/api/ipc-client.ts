import type { BootcastBridge } from '../../src-main/preload/bridge.ts';
import { acceptApiEvent, checkedApiResult } from '@shared/timeline-event-guard.ts';
import { ApiCallError, type BootcastClient } from './bootcast-client.ts';

/** Electron: the preload's `window.bootcast` already speaks the contract; IPC never disconnects. */
export function createIpcClient(bridge: BootcastBridge): BootcastClient {
  return {
    transport: 'electron',
    status: 'open',
    async call(method, arg) {
      try {
        // Results and events cross the process boundary here: checked once, then trusted.
        return checkedApiResult(method, await bridge.call(method, arg)) as never;
      } catch (err) {
        // contextBridge passes the Error's message through; the preload attached the code to it.
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
        throw new ApiCallError({ code, message: err instanceof Error ? err.message : String(err) });
      }
    },
    on: (event, listener) => bridge.on(event, (payload) => {
      if (acceptApiEvent(event, payload)) listener(payload);
    }),
    onStatus: () => () => {},
    pathForFile: (file) => bridge.pathForFile(file),
    openLogsFolder: () => bridge.openLogsFolder(),
    dispose() {},
  };
}
