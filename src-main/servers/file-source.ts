import { Readable } from 'node:stream';

/**
 * What TFTP and HTTP serve. Servers never touch a directory: they ask a FileSource what a
 * request path means, and the engine answers with ISO content, a bundled resource or a
 * generated file (the Pixiecore `Booter` split).
 */
export interface ServedFile {
  /** Exact size in bytes (TFTP tsize, HTTP Content-Length / ranges). */
  readonly size: number;
  /** For HTTP Content-Type; application/octet-stream when absent. */
  readonly contentType?: string;
  readonly mtime?: Date;
  /**
   * Bytes [start, endInclusive]. The stream must end after exactly those bytes. `chunkBytes`
   * asks for reads of about that size (TFTP reads small pieces; HTTP large ones).
   */
  createReadStream(start: number, endInclusive: number, options?: ReadStreamOptions): Readable;
  /**
   * Positioned reads into the caller's buffers, for a server that reuses a few buffers per
   * transfer instead of taking a fresh one per chunk from a stream (HTTP bodies). Optional:
   * without it the server reads the stream.
   */
  openReader?(): Promise<FileReader>;
}

export interface FileReader {
  /** Fills `target` from `position` in the file; returns the bytes there were (fewer only where the file ends). */
  read(target: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface ReadStreamOptions {
  readonly chunkBytes?: number;
}

export interface FileRequestContext {
  readonly protocol: 'tftp' | 'http';
  /** Client address as seen by the socket (IPv4 without ::ffff: prefix). */
  readonly remoteAddress: string;
  /** HTTP query parameters (e.g. mac, arch from the iPXE script request). */
  readonly query?: URLSearchParams;
}

export interface FileSource {
  /**
   * Resolves an already-normalised, traversal-free path ("/boot.ipxe", "/images/x/arch/boot/…")
   * to a file, or null when there is none. Servers sanitise paths before calling this.
   */
  resolve(path: string, ctx: FileRequestContext): Promise<ServedFile | null>;
}

/** A file held in memory: generated scripts, tests. */
export function bufferFile(data: Uint8Array, contentType?: string): ServedFile {
  return {
    size: data.byteLength,
    contentType,
    createReadStream(start, endInclusive) {
      const length = Math.max(0, Math.min(endInclusive, data.byteLength - 1) - start + 1);
      return Readable.from([Buffer.from(data.buffer, data.byteOffset + start, length)]);
    },
  };
}
