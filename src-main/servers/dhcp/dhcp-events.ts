import type { PxeClientInfo } from '../../pxe/client-class.ts';
import type { Firmware } from '../../shared/api.ts';

/** What the boot policy tells the DHCP server to put into a reply. */
export interface BootAnswer {
  /**
   * `file` and option 67: a TFTP path for a first-stage ROM ("undionly.kpxe") or, for iPXE, the
   * HTTP URL of its boot script. URLs longer than the 127-byte `file` field go in option 67 only.
   */
  bootFile: string;
  /** `siaddr` (and the default for 66/sname): the TFTP server; defaults to the DHCP server's address. */
  nextServer?: string;
  /** Option 66 and `sname`; defaults to `nextServer` as a dotted quad. */
  serverName?: string;
  /** Why this file, for the timeline ("x86-64 UEFI: snponly.efi, iPXE on the firmware's …"). */
  reason?: string;
}

/** Decides the boot answer from the classified client; null = no boot information (log why). */
export type BootPolicy = (client: PxeClientInfo) => BootAnswer | null;

/** Who a packet is about; every client event carries it. */
export interface DhcpClientRef {
  /** Lowercase colon-separated MAC. */
  mac: string;
  xid: number;
  arch: number | null;
  archName: string;
  firmware: Firmware;
  /** The classifier's verdict: network-boot firmware or iPXE (see pxe/client-class.ts). */
  pxe: boolean;
  ipxe: boolean;
  vendorClass?: string;
  /** UDP source "address:port". */
  from: string;
  /** Relay agent address when relayed. */
  giaddr?: string;
  /** Address concerned: offered/acked/declined/released/requested. */
  ip?: string;
}

export type RequestState = 'selecting' | 'init-reboot' | 'renewing' | 'rebinding';

export interface DhcpServerEvents {
  discover: DhcpClientRef;
  offer: DhcpClientRef & { ip: string; boot: BootAnswer | null };
  request: DhcpClientRef & { state: RequestState };
  ack: DhcpClientRef & { ip: string; leaseSeconds: number; boot: BootAnswer | null };
  nak: DhcpClientRef & { reason: string };
  decline: DhcpClientRef & { ip: string };
  release: DhcpClientRef & { ip: string };
  inform: DhcpClientRef & { ip: string; boot: BootAnswer | null };
  /** A proxyDHCP answer: an OFFER on port 67 or an ACK on port 4011. */
  proxy: DhcpClientRef & { port: number; kind: 'offer' | 'ack'; boot: BootAnswer };
  ignored: DhcpClientRef & { reason: string };
  malformed: { from: string; reason: string; bytes: number };
  /** Another DHCP server gives addresses on this network while Bootcast does too. */
  conflict: { serverId: string; address: string; offeredAddress: string; via: 'probe' | 'passive' | 'client-request'; message: string };
  /** Non-fatal trouble: a send failed, the lease file could not be written, the watch could not bind. */
  warning: { message: string };
}

export interface DhcpStats {
  received: number;
  malformed: number;
  ignored: number;
  sent: number;
  sendErrors: number;
  byType: Record<string, number>;
  activeLeases: number;
  poolSize: number;
  conflicts: number;
}
