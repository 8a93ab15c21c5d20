import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionEndedError, SocketReader } from './socket-reader.ts';

/** A connected loopback pair: `a` is read through SocketReader, `b` writes. */
async function pair(): Promise<{ a: Socket; b: Socket; close(): void }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const b = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  const a = await accepted;
  a.on('error', () => {});
  b.on('error', () => {});
  return { a, b, close: () => (a.destroy(), b.destroy(), server.close()) };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('SocketReader', () => {
  it('returns exact byte counts across chunk boundaries', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a);
    b.write(Uint8Array.from([1, 2, 3]));
    b.write(Uint8Array.from([4, 5, 6, 7, 8]));
    expect([...(await reader.read(2))]).toEqual([1, 2]);
    expect([...(await reader.read(5))]).toEqual([3, 4, 5, 6, 7]);
    expect([...(await reader.read(1))]).toEqual([8]);
  });

  it('completes a read larger than its high-water mark instead of pausing forever', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a, 1024);
    const data = new Uint8Array(300_000).map((_, i) => i & 0xff);
    b.write(data);
    expect(await reader.read(300_000)).toEqual(data);
  });

  it('pauses the socket while unread bytes exceed the high-water mark, and resumes as they are consumed', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a, 4096);
    b.write(new Uint8Array(64 * 1024));
    await reader.read(1);
    for (let i = 0; i < 500 && !a.isPaused(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(a.isPaused()).toBe(true);
    await reader.read(60 * 1024);
    expect(a.isPaused()).toBe(false);
  });

  it('skips a payload in pieces and reads what follows it', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a, 1024);
    b.write(new Uint8Array(100_000).fill(7));
    setTimeout(() => b.write(Uint8Array.from([9, 9])), 10);
    await reader.skip(100_000);
    expect([...(await reader.read(2))]).toEqual([9, 9]);
  });

  it('rejects with how far into the message the peer went away', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a);
    const pending = reader.read(28);
    b.end(new Uint8Array(10));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionEndedError);
    expect(err).toMatchObject({ received: 10, wanted: 28 });
    expect((err as Error).message).toBe('connection closed 10 bytes into a 28-byte message');
  });

  it('rejects a skip cut short with the bytes of the payload that did arrive', async () => {
    const { a, b, close } = await pair();
    cleanup = close;
    const reader = new SocketReader(a);
    const pending = reader.skip(4096);
    b.end(new Uint8Array(1000));
    await expect(pending).rejects.toMatchObject({ received: 1000, wanted: 4096 });
  });
});
