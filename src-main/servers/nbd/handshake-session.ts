import {
  NBD_CLIENT_FLAGS_SIZE,
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_FLAG_FIXED_NEWSTYLE,
  NBD_FLAG_NO_ZEROES,
  NBD_MAX_OPTION_LENGTH,
  NBD_MAX_PAYLOAD,
  NBD_OPTION_HEADER_SIZE,
  NbdInfo,
  NbdOpt,
  NbdProtocolError,
  NbdRep,
  NbdTransmissionFlag,
  decodeClientFlags,
  decodeExportNameData,
  decodeInfoRequest,
  decodeOptionHeader,
  encodeExportNameReply,
  encodeInfo,
  encodeOptionReply,
  encodeServerEntry,
  encodeServerGreeting,
  type NbdInfoItem,
} from '../../protocol/nbd/index.ts';
import type { NbdExport, NbdExportProvider } from './export-provider.ts';
import type { SocketReader } from './socket-reader.ts';

/**
 * Read-only, answers FLUSH (a no-op: nothing is ever dirty), and safe for several connections
 * at once: all connections see the same immutable bytes, which lets nbdcopy and qemu open
 * parallel connections (NBD_FLAG_CAN_MULTI_CONN).
 */
export const EXPORT_TRANSMISSION_FLAGS =
  NbdTransmissionFlag.HAS_FLAGS | NbdTransmissionFlag.READ_ONLY | NbdTransmissionFlag.SEND_FLUSH | NbdTransmissionFlag.CAN_MULTI_CONN;

/** Advertised with NBD_INFO_BLOCK_SIZE: any byte range works, 4 KiB is efficient, 32 MiB is the most one READ may ask. */
export const BLOCK_SIZE = { minimum: 1, preferred: 4096, maximum: NBD_MAX_PAYLOAD } as const;

export interface HandshakeIo {
  reader: SocketReader;
  write(bytes: Uint8Array): void;
}

export type HandshakeOutcome =
  | { kind: 'transmission'; name: string; export: NbdExport }
  /** NBD_OPT_ABORT, or EXPORT_NAME of an unknown export (the spec's only answer is closing). */
  | { kind: 'closed'; reason: 'abort' | 'unknown-export'; name?: string };

export interface HandshakeHooks {
  /** A client asked for an export the provider does not have, or that failed to open (`error`). */
  unknownExport(name: string, error?: unknown): void;
}

const encoder = new TextEncoder();
const message = (text: string) => encoder.encode(text);

/**
 * The server side of fixed-newstyle negotiation. Returns when the client enters transmission
 * or leaves; throws NbdProtocolError (after sending what the spec asks, e.g. ERR_TOO_BIG) when
 * the client breaks the protocol, and ConnectionEndedError when it goes away.
 */
export async function negotiate(io: HandshakeIo, provider: NbdExportProvider, hooks: HandshakeHooks): Promise<HandshakeOutcome> {
  io.write(encodeServerGreeting(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
  const clientFlags = decodeClientFlags(await io.reader.read(NBD_CLIENT_FLAGS_SIZE));
  const fixed = (clientFlags & NBD_FLAG_C_FIXED_NEWSTYLE) !== 0;
  const noZeroes = (clientFlags & NBD_FLAG_C_NO_ZEROES) !== 0;

  for (;;) {
    const headerBytes = await io.reader.read(NBD_OPTION_HEADER_SIZE);
    let header;
    try {
      header = decodeOptionHeader(headerBytes, NBD_MAX_OPTION_LENGTH);
    } catch (err) {
      // The option number is readable even when the length is absurd: tell the client why we hang up.
      if (err instanceof NbdProtocolError && err.violation === 'too-big') {
        const option = new DataView(headerBytes.buffer, headerBytes.byteOffset + 8, 4).getUint32(0);
        io.write(encodeOptionReply(option, NbdRep.ERR_TOO_BIG, message(err.message)));
      }
      throw err;
    }
    const data = header.length ? await io.reader.read(header.length) : new Uint8Array(0);
    const { option } = header;
    const reply = (type: number, payload?: Uint8Array) => io.write(encodeOptionReply(option, type, payload));

    switch (option) {
      case NbdOpt.EXPORT_NAME: {
        const name = decodeExportNameData(data);
        const opened = await openExport(provider, name);
        if ('error' in opened) {
          hooks.unknownExport(name, opened.error ?? undefined);
          return { kind: 'closed', reason: 'unknown-export', name };
        }
        const exp = opened.exp;
        io.write(encodeExportNameReply({ size: exp.size, transmissionFlags: EXPORT_TRANSMISSION_FLAGS }, noZeroes));
        return { kind: 'transmission', name, export: exp };
      }

      case NbdOpt.INFO:
      case NbdOpt.GO: {
        let request;
        try {
          request = decodeInfoRequest(data);
        } catch (err) {
          if (!(err instanceof NbdProtocolError)) throw err;
          reply(NbdRep.ERR_INVALID, message(err.message));
          break;
        }
        const opened = await openExport(provider, request.name);
        if ('error' in opened) {
          hooks.unknownExport(request.name, opened.error ?? undefined);
          const known = provider.list?.().map((e) => e.name);
          reply(
            NbdRep.ERR_UNKNOWN,
            message(
              opened.error
                ? `export "${request.name}" could not be opened: ${(opened.error as Error).message ?? String(opened.error)}`
                : `no export named "${request.name}"${known ? `; this server has: ${known.join(', ') || '(none)'}` : ''}`,
            ),
          );
          break;
        }
        const exp = opened.exp;
        const description = provider.list?.().find((e) => e.name === request.name)?.description;
        const items: NbdInfoItem[] = [{ type: 'export', size: exp.size, transmissionFlags: EXPORT_TRANSMISSION_FLAGS }];
        for (const wanted of new Set(request.requests)) {
          if (wanted === NbdInfo.NAME) items.push({ type: 'name', name: request.name });
          else if (wanted === NbdInfo.DESCRIPTION && description) items.push({ type: 'description', description });
          else if (wanted === NbdInfo.BLOCK_SIZE) items.push({ type: 'block-size', ...BLOCK_SIZE });
        }
        for (const item of items) reply(NbdRep.INFO, encodeInfo(item));
        reply(NbdRep.ACK);
        if (option === NbdOpt.GO) return { kind: 'transmission', name: request.name, export: exp };
        await exp.close?.();
        break;
      }

      case NbdOpt.LIST:
        if (data.byteLength !== 0) {
          reply(NbdRep.ERR_INVALID, message('NBD_OPT_LIST carries no data'));
          break;
        }
        if (!provider.list) {
          reply(NbdRep.ERR_POLICY, message('this server does not list its exports: ask for one by name'));
          break;
        }
        for (const entry of provider.list()) reply(NbdRep.SERVER, encodeServerEntry(entry));
        reply(NbdRep.ACK);
        break;

      case NbdOpt.ABORT:
        reply(NbdRep.ACK);
        return { kind: 'closed', reason: 'abort' };

      default:
        // A client that did not ask for fixed newstyle may not understand error replies: the spec says close.
        if (!fixed) throw new NbdProtocolError('flags', `client without NBD_FLAG_C_FIXED_NEWSTYLE sent unsupported option ${option}`);
        reply(
          NbdRep.ERR_UNSUP,
          message(option === NbdOpt.STARTTLS ? 'TLS is not offered: Bootcast serves read-only boot images on the local boot network' : `option ${option} is not supported`),
        );
    }
  }
}

/** A provider that throws (image deleted, unreadable) is answered like a missing export, with the reason. */
async function openExport(provider: NbdExportProvider, name: string): Promise<{ exp: NbdExport } | { error: unknown }> {
  try {
    const exp = await provider.open(name);
    return exp ? { exp } : { error: null };
  } catch (error) {
    return { error };
  }
}
