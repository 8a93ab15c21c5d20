import type { ApiClient, ApiErrorPayload } from '@shared/api.ts';

/**
 * `open` — calls and events flow; `connecting` — the event stream is (re)connecting, state may be
 * stale; `unauthorized` — the headless host refused the token (an old or mistyped URL).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'unauthorized';

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * The contract plus what differs between hosts. Stores see only `ApiClient`; the file-adding
 * code asks which of `pathForFile` (Electron) or `upload` (headless) exists.
 */
export interface BootcastClient extends ApiClient {
  readonly transport: 'electron' | 'web';
  readonly status: ConnectionStatus;
  /** Called on every status change; a change to `open` means "re-read the state now". */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Electron: the dropped file's absolute path. */
  pathForFile?(file: File): string;
  /** Electron: shows the log folder in the file manager. */
  openLogsFolder?(): Promise<void>;
  /** Headless: copies the file to the server and returns its path there. */
  upload?(file: File, onProgress?: (p: UploadProgress) => void): Promise<string>;
  dispose(): void;
}

/** A refused or failed call: `message` is the engine's own words, meant for the user. */
export class ApiCallError extends Error {
  readonly code: string;
  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiCallError';
    this.code = payload.code;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
