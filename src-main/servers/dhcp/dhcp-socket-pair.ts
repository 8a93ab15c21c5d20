import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { describeBindError } from '../../net/bind-error.ts';

/**
 * How Bootcast talks DHCP on exactly one interface with nothing but Node's `dgram`, which has
 * neither SO_BINDTODEVICE (receive only from one interface) nor IP_PKTINFO (learn the receiving
 * interface, choose the sending one):
 *
 * - Receiving. Clients without an address broadcast to 255.255.255.255. Only a socket bound to
 *   the wildcard address sees those, so one socket binds `0.0.0.0:port` (SO_REUSEADDR). A second
 *   socket binds `<interface address>:port`; the kernel delivers unicast for that address to the
 *   more specific socket, so it receives RENEWs and relayed traffic, and the wildcard one gets
 *   the broadcasts. The two sockets also tell a unicast RENEWING from a broadcast REBINDING.
 * - Sending. Every reply leaves from the address-bound socket. Its destinations are the client's
 *   `ciaddr`, a relay's `giaddr` (both routed by the kernel like any unicast), or a broadcast:
 *   - On Linux, 255.255.255.255 (what RFC 2131 and every PXE ROM expect). For a limited broadcast
 *     from a socket bound to a local address, Linux picks the interface owning that address
 *     instead of the default route (the "special hack" in ip_route_output_key_hash_rcu, kept for
 *     exactly this kind of program), so it leaves through the chosen interface. The interop test
 *     proves it with the default route on a second interface; sending the same packet from the
 *     wildcard socket instead leaves through the uplink and the client never sees it.
 *   - Elsewhere, the chosen interface's subnet-directed broadcast (e.g. 198.18.0.255): only that
 *     interface's route matches it, wherever the default route points. Clients without an address
 *     accept it in practice (they filter on UDP port 68 and xid), but some firmware may not,
 *     which is why it is not the Linux default. `broadcastAddress` overrides either choice.
 * - Not answering elsewhere. The wildcard socket also hears broadcasts arriving on other
 *   interfaces, and the kernel does not say from which one. The server therefore drops requests
 *   that demonstrably come from another network (a `ciaddr` or source address outside the chosen
 *   subnet without a relay `giaddr`). A broadcast from a client with no address at all on another
 *   interface cannot be recognised; its reply (a broadcast, as above) still leaves through the
 *   chosen interface, so it never reaches that other network (the interop test checks this too).
 */
export type ReceivedVia = 'broadcast' | 'unicast';

/** The broadcast destination for replies on this platform (see above). */
export function defaultReplyBroadcast(subnetBroadcast: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'linux' ? '255.255.255.255' : subnetBroadcast;
}

export interface DhcpSocketPairOptions {
  /** Interface address: the source of every reply. */
  address: string;
  /** Where broadcasts are received; '0.0.0.0' unless a test wants otherwise. */
  listenAddress?: string;
  port: number;
  service: string;
  /** The command-line flag that changes this port, named in a bind error. */
  portFlag?: string;
  onMessage(data: Uint8Array, from: RemoteInfo, via: ReceivedVia): void;
  onError(err: Error): void;
}

export class DhcpSocketPair {
  private unicast: Socket | null = null;
  private wildcard: Socket | null = null;
  private boundPort = 0;

  constructor(private readonly opts: DhcpSocketPairOptions) {}

  get port(): number {
    return this.boundPort;
  }

  async bind(): Promise<number> {
    const { address, port, service } = this.opts;
    const listen = this.opts.listenAddress ?? '0.0.0.0';
    this.unicast = await this.open(address, port, 'unicast');
    this.boundPort = this.unicast.address().port;
    this.unicast.setBroadcast(true);
    if (listen !== address) {
      try {
        this.wildcard = await this.open(listen, this.boundPort, 'broadcast');
      } catch (err) {
        this.close();
        throw describeBindError(err, service, listen, this.boundPort, this.opts.portFlag);
      }
    }
    return this.boundPort;
  }

  private open(address: string, port: number, via: ReceivedVia): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      const onBindError = (err: Error) => {
        socket.close();
        reject(describeBindError(err, this.opts.service, address, port, this.opts.portFlag));
      };
      socket.once('error', onBindError);
      socket.on('message', (msg, rinfo) => {
        // The handler is the server's; it must not throw, but a bug there must not kill the socket either.
        try {
          this.opts.onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo, via);
        } catch (err) {
          this.opts.onError(err as Error);
        }
      });
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onBindError);
        // A classroom of machines powered on together sends hundreds of DISCOVERs at once; a
        // larger receive queue (the kernel caps it at net.core.rmem_max) turns drops into delay.
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          /* capped or refused: the default queue still works, clients retransmit */
        }
        socket.on('error', (err) => this.opts.onError(err));
        resolve(socket);
      });
    });
  }

  send(data: Uint8Array, port: number, address: string): Promise<void> {
    const socket = this.unicast;
    if (!socket) return Promise.reject(new Error(`${this.opts.service}: socket is closed`));
    return new Promise((resolve, reject) => socket.send(data, port, address, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    for (const s of [this.unicast, this.wildcard]) {
      try {
        s?.close();
      } catch {
        /* already closed */
      }
    }
    this.unicast = null;
    this.wildcard = null;
  }
}
