/** Typed events of TftpServer: one transfer.start and one transfer.done per started transfer. */

export interface TftpNegotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Retransmission timeout actually used, in ms (client's `timeout` option or the server default). */
  readonly timeoutMs: number;
  /** Present when the client asked for tsize and was told. */
  readonly tsize?: number;
  /** Whether an OACK was sent (the client asked for at least one option we accept). */
  readonly oack: boolean;
}

export interface TftpTransferStart {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Sanitised path as given to the FileSource. */
  readonly path: string;
  readonly mode: 'octet' | 'netascii';
  readonly options: TftpNegotiated;
  /** Size of the file in the source (bytes on the wire differ in netascii mode). */
  readonly size: number;
}

export interface TftpTransferProgress {
  readonly id: string;
  /** Payload bytes the client has acknowledged. */
  readonly bytes: number;
  readonly size: number;
  readonly retransmits: number;
}

/**
 * - complete: the client acknowledged the final block.
 * - options-probe: the client ended with ERROR right after our OACK — the usual PXE ROM way to
 *   learn tsize before asking again; not a failure.
 * - abandoned: the client never acknowledged the OACK or the first block (went away, often also
 *   after learning tsize), or the transfer was superseded by a different request from the same port.
 * - client-error: the client sent ERROR mid-transfer.
 * - timed-out: the client stopped acknowledging mid-transfer and retries ran out.
 * - failed: the source could not be read or the socket failed.
 * - stopped: the server was stopped.
 */
export type TftpOutcome = 'complete' | 'options-probe' | 'abandoned' | 'client-error' | 'timed-out' | 'failed' | 'stopped';

export interface TftpTransferDone {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly path: string;
  /** Payload bytes the client acknowledged. */
  readonly bytes: number;
  readonly durationMs: number;
  /** DATA and OACK packets sent more than once. */
  readonly retransmits: number;
  readonly outcome: TftpOutcome;
  /** Human-readable reason for any outcome but complete. */
  readonly detail?: string;
}

export interface TftpTransferError {
  /** Present when the transfer had started (then a transfer.done follows); absent for refused requests. */
  readonly id?: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The filename as requested (not sanitised). */
  readonly requested: string;
  readonly stage: 'request' | 'transfer';
  /** TFTP error code sent to the client, when one was sent. */
  readonly code?: number;
  readonly message: string;
}

export interface TftpMalformed {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly length: number;
  readonly reason: string;
}

export interface TftpServerEvents {
  'transfer.start': TftpTransferStart;
  'transfer.progress': TftpTransferProgress;
  'transfer.done': TftpTransferDone;
  'transfer.error': TftpTransferError;
  malformed: TftpMalformed;
  /** Something the technician should know that concerns no one client (a limit reached). */
  warning: { message: string };
}

export interface TftpServerStats {
  readonly requests: number;
  readonly refused: number;
  readonly started: number;
  readonly completed: number;
  /** Transfers that ended in anything but complete or options-probe. */
  readonly failed: number;
  readonly active: number;
  /** DATA payload bytes clients acknowledged (retransmissions not counted twice). */
  readonly bytesSent: number;
  readonly retransmits: number;
  readonly malformed: number;
  /** Repeated RRQs for a transfer already running (retransmitted by the client), not served twice. */
  readonly duplicateRequests: number;
  /** Requests refused because a transfer limit (global or per address) was reached. */
  readonly overLimit: number;
  /** Requests dropped because handling them threw (a bug, counted instead of crashing). */
  readonly internalErrors: number;
}
