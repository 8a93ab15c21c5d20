/** Typed events of HttpServer: one request.start and one request.done per request. */

export interface HttpRequestStart {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly method: string;
  /** Sanitised path when it passed the checks, otherwise the raw request target. */
  readonly path: string;
  /** Raw query string without "?", '' when none. */
  readonly query: string;
  /** The Range header as sent, null when none. */
  readonly range: string | null;
}

export interface HttpRequestProgress {
  readonly id: string;
  /** Body bytes handed to the socket so far. */
  readonly bytes: number;
  /** Body bytes this response will carry in total. */
  readonly total: number;
}

/**
 * - complete: the whole response was handed to the socket.
 * - aborted: the client closed the connection before the body was sent.
 * - failed: the source failed (resolve threw, its stream broke mid-body, or it ended before the
 *   promised length: a short body is never complete).
 */
export type HttpOutcome = 'complete' | 'aborted' | 'failed';

export interface HttpRequestDone {
  readonly id: string;
  readonly remoteAddress: string;
  readonly path: string;
  readonly status: number;
  /** Body bytes sent (read from the source and written to the socket). */
  readonly bytes: number;
  /** The byte range served with a 206, null otherwise. */
  readonly range: { readonly start: number; readonly end: number } | null;
  readonly durationMs: number;
  readonly outcome: HttpOutcome;
}

export interface HttpRequestError {
  readonly id: string;
  readonly remoteAddress: string;
  readonly path: string;
  readonly message: string;
}

export interface HttpServerEvents {
  'request.start': HttpRequestStart;
  'request.progress': HttpRequestProgress;
  'request.done': HttpRequestDone;
  'request.error': HttpRequestError;
  /** Something the technician should know that concerns no one client (a limit reached). */
  warning: { message: string };
}

export interface HttpServerStats {
  readonly requests: number;
  readonly active: number;
  readonly bytesSent: number;
  /** Responses by status code. */
  readonly byStatus: Readonly<Record<number, number>>;
  readonly aborted: number;
  readonly failed: number;
  /** Connections open now. */
  readonly connections: number;
  /** Connections closed at once because a cap (global or per address) was reached. */
  readonly refusedConnections: number;
  /** Requests that ended in a 500 because handling them threw. */
  readonly internalErrors: number;
}
