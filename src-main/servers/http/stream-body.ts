// Sending a source's stream as an HTTP response body (files without positioned reads).
import type { ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { PumpEnd } from './body-pump.ts';

/**
 * Sends a source's stream as a response body (files without positioned reads: generated
 * scripts, an ISO spliced into an initrd). `total` is the promised Content-Length: a stream that
 * ends short of it is the source's failure, never a complete download.
 */
export function streamBody(stream: Readable, res: ServerResponse, total: number, onBytes: (bytes: number) => void, onEnd: (end: PumpEnd) => void): void {
  let bytes = 0;
  stream.on('data', (chunk: Uint8Array) => onBytes((bytes += chunk.byteLength)));
  // Tell a broken source from a departed client: only the former is the server's failure.
  // Whichever happens first decides; pipeline then tears down the other side with the same
  // error. Both listeners go on before pipeline's own, so they see the event first.
  let firstFailure: { side: 'source'; err: Error } | { side: 'client' } | undefined;
  stream.once('error', (err) => (firstFailure ??= { side: 'source', err }));
  // A source that ends early (the image was truncated while serving) must not look like a
  // complete download: cut the response before pipeline ends it with the promised length unmet.
  stream.once('end', () => {
    if (bytes === total) return;
    const err = new Error(`the file ended after ${bytes} of ${total} bytes (changed while being served?)`);
    firstFailure ??= { side: 'source', err };
    res.destroy(err);
  });
  res.once('close', () => {
    if (!res.writableFinished) firstFailure ??= { side: 'client' };
  });
  // pipeline: backpressure from the socket pauses the source, and when the client goes away
  // (premature close, EPIPE, ECONNRESET) the source stream is destroyed (the ISO reader stops reading).
  pipeline(stream, res, (err) => {
    if (!err && bytes === total) return onEnd({ outcome: 'complete', bytes });
    if (firstFailure?.side === 'source') {
      res.destroy();
      return onEnd({ outcome: 'source', bytes, err: firstFailure.err });
    }
    // Headers are out: the only honest signal left is to cut the connection short.
    res.destroy();
    onEnd({ outcome: 'client', bytes, err: err ?? new Error(`sent ${bytes} of ${total} bytes`) });
  });
}
