/** Why a transmission-phase connection ended. */
export type NbdDisconnectReason =
  /** The client sent NBD_CMD_DISC: the normal end. */
  | 'disc'
  /** The client closed the socket between requests without NBD_CMD_DISC (the kernel client after a crash, a killed process). */
  | 'closed'
  /** The client went away in the middle of a request. */
  | 'vanished'
  /** The client broke framing (bad request magic); we closed. */
  | 'malformed'
  /** Anything else that ended the session unexpectedly (see `detail`). */
  | 'socket-error'
  /** NbdServer.stop(). */
  | 'server-stopped';

export interface NbdConnectEvent {
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** Export name the client attached to (an image id). */
  export: string;
  size: number;
}

export interface NbdDisconnectEvent {
  id: number;
  remoteAddress: string;
  remotePort: number;
  export: string;
  /** Bytes of export data sent to the client. */
  bytesRead: number;
  /** Requests received, including the final NBD_CMD_DISC. */
  requests: number;
  /** From TCP accept to close. */
  durationMs: number;
  reason: NbdDisconnectReason;
  /** Human-readable detail for anything but 'disc'. */
  detail?: string;
}

export interface NbdMalformedEvent {
  id: number;
  remoteAddress: string;
  remotePort: number;
  phase: 'handshake' | 'transmission';
  /** What was wrong, from the codec's error. */
  message: string;
}

export interface NbdUnknownExportEvent {
  id: number;
  remoteAddress: string;
  export: string;
  /** Set when the export exists but opening it failed (file gone, unreadable). */
  error?: string;
}

export interface NbdServerEvents {
  connect: NbdConnectEvent;
  disconnect: NbdDisconnectEvent;
  malformed: NbdMalformedEvent;
  'unknown-export': NbdUnknownExportEvent;
  /** Something the technician should know that concerns no one client (a limit reached). */
  warning: { message: string };
}
