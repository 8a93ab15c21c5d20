// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, type ConnectionStatus } from './bootcast-client.ts';
import { createWsClient } from './ws-client.ts';

/** A WebSocket stand-in the test opens, feeds and closes by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('the WebSocket API client', () => {
  afterEach(() => {
    FakeSocket.all = [];
    vi.useRealTimers();
  });

  function make(fetchImpl: typeof fetch = async () => jsonResponse(200, {})) {
    return createWsClient({ origin: 'http://127.0.0.1:8080', token: 't/k', WebSocketImpl: FakeSocket as never, fetchImpl, retryDelaysMs: [100, 200] });
  }

  it('subscribes with the token and reports open, then delivers pushed events', () => {
    const api = make();
    const statuses: ConnectionStatus[] = [];
    api.onStatus((s) => statuses.push(s));
    expect(FakeSocket.all[0]!.url).toBe('ws://127.0.0.1:8080/api/events?token=t%2Fk');
    const got: unknown[] = [];
    api.on('log.entry', (e) => got.push(e));
    FakeSocket.all[0]!.onopen!();
    FakeSocket.all[0]!.onmessage!({ data: JSON.stringify({ event: 'log.entry', payload: { message: 'hi' } }) });
    FakeSocket.all[0]!.onmessage!({ data: 'not json' });
    expect(statuses).toEqual(['open']);
    expect(got).toEqual([{ message: 'hi' }]);
    api.dispose();
  });

  it('reconnects after the socket drops and reports open again, so the UI re-reads its state', async () => {
    vi.useFakeTimers();
    const api = make();
    const statuses: ConnectionStatus[] = [];
    api.onStatus((s) => statuses.push(s));
    FakeSocket.all[0]!.onopen!();
    FakeSocket.all[0]!.onclose!();
    expect(api.status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.onopen!();
    expect(statuses).toEqual(['open', 'connecting', 'open']);
    api.dispose();
    expect(FakeSocket.all[1]!.closed).toBe(true);
  });

  it('posts calls with the bearer token and returns the result', async () => {
    const fetchImpl = vi.fn(async () => jsonResponse(200, { result: [{ id: 'a' }] }));
    const api = make(fetchImpl as never);
    await expect(api.call('images.add', { paths: ['/a.iso'] })).resolves.toEqual([{ id: 'a' }]);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:8080/api/call/images.add');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer t/k');
    expect(JSON.parse(init.body as string)).toEqual({ arg: { paths: ['/a.iso'] } });
    api.dispose();
  });

  it('turns an engine refusal into an ApiCallError with its code and message', async () => {
    const api = make(async () => jsonResponse(422, { error: { code: 'not-iso', message: 'foo.txt is not an ISO image' } }));
    const err = await api.call('images.add', { paths: ['/foo.txt'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err).toMatchObject({ code: 'not-iso', message: 'foo.txt is not an ISO image' });
    api.dispose();
  });

  it('reports a refused token as unauthorized', async () => {
    const api = make(async () => jsonResponse(401, { error: { code: 'unauthorized', message: 'missing or wrong token' } }));
    await expect(api.call('images.list', undefined)).rejects.toThrow('missing or wrong token');
    expect(api.status).toBe('unauthorized');
    api.dispose();
  });

  it('stops retrying and reports unauthorized when the host refuses the token at the upgrade', async () => {
    vi.useFakeTimers();
    const api = make(async () => jsonResponse(401, { error: { code: 'unauthorized', message: 'wrong token' } }));
    FakeSocket.all[0]!.onclose!();
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.status).toBe('unauthorized');
    expect(FakeSocket.all).toHaveLength(1);
    api.dispose();
  });

  it('keeps retrying while the host is not reachable at all', async () => {
    vi.useFakeTimers();
    const api = make(async () => {
      throw new TypeError('fetch failed');
    });
    FakeSocket.all[0]!.onclose!();
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.all[1]!.onclose!();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.all).toHaveLength(3);
    expect(api.status).toBe('connecting');
    api.dispose();
  });
});
