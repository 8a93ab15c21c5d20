/**
 * What the preload puts on `window.bootcast`, and the IPC channel names main and preload share.
 * Pure types and strings: imported by the preload, the Electron main process and the renderer.
 */
import type { ApiClient, ApiErrorPayload, ApiEvent, ApiMethod, ApiResult } from '../shared/api.ts';

export interface BootcastBridge extends ApiClient {
  /** The absolute path of a dropped or picked file (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** Opens the folder holding Bootcast's log files in the system's file manager. */
  openLogsFolder(): Promise<void>;
}

/** Desktop-only actions outside the engine contract. */
export const OPEN_LOGS_CHANNEL = 'bootcast:desktop:open-logs';

/** One invoke channel per method, so main can refuse anything not in the contract by name alone. */
export function callChannel(method: ApiMethod): string {
  return `bootcast:call:${method}`;
}

export function eventChannel(event: ApiEvent): string {
  return `bootcast:event:${event}`;
}

/**
 * ipcMain.handle would wrap a thrown error as "Error invoking remote method …: Error: …";
 * replying with a tagged result keeps the engine's own message and code for the UI.
 */
export type IpcReply<M extends ApiMethod> = { ok: true; result: ApiResult<M> } | { ok: false; error: ApiErrorPayload };

