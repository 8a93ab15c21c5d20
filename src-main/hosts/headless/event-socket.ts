import { WebSocketServer, type WebSocket } from 'ws';
import { API_EVENTS, type ApiClient, type ApiEvent, type ApiEvents } from '../../shared/api.ts';

/** What the engine pushes, as one WebSocket text frame. */
export interface EventFrame<E extends ApiEvent = ApiEvent> {
  event: E;
  payload: ApiEvents[E];
}

/**
 * A browser that cannot keep up (a suspended tab) is disconnected rather than buffered without
 * bound; its client reconnects and re-reads the current state, which loses nothing that matters.
 */
const MAX_BUFFERED_BYTES = 4 << 20;
const PING_INTERVAL_MS = 20_000;

/**
 * Fans the engine's events out to every connected UI. One engine subscription per event name
 * for the whole host, not per socket, so a reload storm does not multiply engine listeners.
 */
export class EventSocketHub {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly unsubscribes: (() => void)[] = [];
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor(api: ApiClient) {
    for (const event of API_EVENTS) {
      this.unsubscribes.push(api.on(event, (payload) => this.broadcast({ event, payload } as EventFrame)));
    }
    this.wss.on('connection', (socket) => {
      this.alive.add(socket);
      socket.on('pong', () => this.alive.add(socket));
      // The UI only listens; anything it sends is ignored.
      socket.on('message', () => {});
      socket.on('error', () => socket.terminate());
    });
    // Dead peers (laptop lid closed on the browser side) are found by missed pongs.
    this.pinger = setInterval(() => {
      for (const socket of this.wss.clients) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  get connectionCount(): number {
    return this.wss.clients.size;
  }

  private broadcast(frame: EventFrame): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(frame);
    for (const socket of this.wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        socket.close(1013, 'too slow: reconnect and reload state');
        continue;
      }
      socket.send(text);
    }
  }

  close(): void {
    clearInterval(this.pinger);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
  }
}
