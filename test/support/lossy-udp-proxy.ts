import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { seededRandom } from './seeded-random.ts';

export interface LossyUdpProxyOptions {
  /** The real server's request port (e.g. the TFTP listening port) on 127.0.0.1. */
  readonly targetPort: number;
  /** Probability (0..1) that a packet is dropped, each direction. */
  readonly dropRate: number;
  /** Probability (0..1) that a forwarded packet is sent twice. */
  readonly duplicateRate: number;
  /** PRNG seed, so a failing run can be replayed exactly. */
  readonly seed: number;
  /**
   * One-way delay added to every forwarded packet, in ms (0: none). Emulates a link with a real
   * round-trip time where the kernel offers no netem; order is kept (equal delays fire in order).
   */
  readonly delayMs?: number;
  /** Packets for which this returns true pass untouched: never dropped, never duplicated. */
  readonly spare?: (packet: Buffer, direction: 'to-server' | 'to-client') => boolean;
}

export interface LossyUdpProxyStats {
  forwarded: number;
  dropped: number;
  duplicated: number;
}

/**
 * A UDP shim between a client and a server on loopback that drops, duplicates and delays packets, for
 * lossy-link tests of protocols like TFTP where the server answers from a new port per
 * transfer. The client talks to `port`; the proxy talks to the server from one upstream socket
 * per client, and mirrors every server port it hears from with a client-facing socket of its
 * own, so the client sees a distinct transfer ID exactly as it would without the proxy.
 */
export class LossyUdpProxy {
  readonly stats: LossyUdpProxyStats = { forwarded: 0, dropped: 0, duplicated: 0 };
  private readonly sockets: Socket[] = [];
  /** client "addr:port" → upstream socket talking to the server for that client. */
  private readonly upstream = new Map<string, Promise<Socket>>();
  /** "client addr:port|server port" → client-facing mirror socket. */
  private readonly mirrors = new Map<string, Promise<Socket>>();
  private front!: Socket;
  private readonly random: () => number;

  private constructor(private readonly o: LossyUdpProxyOptions) {
    this.random = seededRandom(o.seed);
  }

  static async start(options: LossyUdpProxyOptions): Promise<LossyUdpProxy> {
    const proxy = new LossyUdpProxy(options);
    proxy.front = await proxy.bind();
    proxy.front.on('message', (msg, rinfo) => {
      void proxy.upstreamFor(rinfo).then((up) => proxy.forward(up, msg, proxy.o.targetPort, '127.0.0.1', 'to-server'));
    });
    return proxy;
  }

  get port(): number {
    return this.front.address().port;
  }

  close(): void {
    for (const s of this.sockets) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  }

  private upstreamFor(client: RemoteInfo): Promise<Socket> {
    const key = `${client.address}:${client.port}`;
    let up = this.upstream.get(key);
    if (!up) {
      up = this.bind().then((socket) => {
        socket.on('message', (msg, server) => {
          void this.mirrorFor(client, server.port, socket).then((mirror) => this.forward(mirror, msg, client.port, client.address, 'to-client'));
        });
        return socket;
      });
      this.upstream.set(key, up);
    }
    return up;
  }

  private mirrorFor(client: RemoteInfo, serverPort: number, up: Socket): Promise<Socket> {
    const key = `${client.address}:${client.port}|${serverPort}`;
    let mirror = this.mirrors.get(key);
    if (!mirror) {
      mirror = this.bind().then((socket) => {
        socket.on('message', (msg) => this.forward(up, msg, serverPort, '127.0.0.1', 'to-server'));
        return socket;
      });
      this.mirrors.set(key, mirror);
    }
    return mirror;
  }

  private forward(via: Socket, msg: Buffer, port: number, address: string, direction: 'to-server' | 'to-client'): void {
    const spared = this.o.spare?.(msg, direction) ?? false;
    const delay = this.o.delayMs ?? 0;
    if (spared) {
      this.stats.forwarded++;
      if (delay > 0) setTimeout(() => this.sendQuietly(via, msg, port, address), delay);
      else via.send(msg, port, address);
      return;
    }
    if (this.random() < this.o.dropRate) {
      this.stats.dropped++;
      return;
    }
    this.stats.forwarded++;
    if (delay > 0) setTimeout(() => this.sendQuietly(via, msg, port, address), delay);
    else via.send(msg, port, address);
    if (this.random() < this.o.duplicateRate) {
      this.stats.duplicated++;
      // A little later, so the copy can arrive after packets sent in between (reordering).
      setTimeout(() => this.sendQuietly(via, msg, port, address), delay + 1);
    }
  }

  private sendQuietly(via: Socket, msg: Buffer, port: number, address: string): void {
    try {
      via.send(msg, port, address);
    } catch {
      /* socket closed meanwhile */
    }
  }

  private async bind(): Promise<Socket> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    this.sockets.push(socket);
    return socket;
  }
}
