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
 *   `ciaddr`, a relay's `giaddr` (both routed by the kernel like any unicast), or the chosen
 *   interface's subnet-directed broadcast (e.g. 198.18.0.255), which the routing table can only
 *   send out through that interface. A plain 255.255.255.255 would leave via the default route,
 *   i.e. possibly the uplink (the multi-NIC trap; Linux makes an exception for a socket bound to
 *   an interface address, but other systems do not, so the subnet broadcast is the portable
 *   choice). Clients without an address accept it: they filter on UDP port 68 and xid, not on
 *   the destination IP.
 * - Not answering elsewhere. The wildcard socket also hears broadcasts arriving on other
 *   interfaces, and the kernel does not say from which one. The server therefore drops requests
 *   that demonstrably come from another network (a `ciaddr` or source address outside the chosen
 *   subnet without a relay `giaddr`). A broadcast from a client with no address at all on another
 *   interface cannot be recognised; its reply still goes to the chosen subnet's broadcast, so it
 *   never reaches that other network.
 */
export type ReceivedVia = 'broadcast' | 'unicast';

export interface DhcpSocketPairOptions {
  /** Interface address: the source of every reply. */
  address: string;
  /** Where broadcasts are received; '0.0.0.0' unless a test wants otherwise. */
  listenAddress?: string;
  port: number;
  service: string;
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
        throw describeBindError(err, service, listen, this.boundPort);
      }
    }
    return this.boundPort;
  }

  private open(address: string, port: number, via: ReceivedVia): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      const onBindError = (err: Error) => {
        socket.close();
        reject(describeBindError(err, this.opts.service, address, port));
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
