/** How a DhcpServer is set up: mode, addresses, ports, pool, leases and the conflict watch. */
import type { BootPolicy } from './dhcp-events.ts';

export interface DhcpServerOptions {
  /** 'full' gives addresses, 'proxy' only boot information to PXE clients, 'off' binds nothing. `auto` is resolved before (decideDhcpMode). */
  mode: 'full' | 'proxy' | 'off';
  /** IPv4 address of the chosen interface: replies come from it and name it as server identifier. */
  serverAddress: string;
  /** Subnet of the interface; give this or `netmask`. */
  prefixLength?: number;
  netmask?: string;
  /** Where broadcast replies go; default 255.255.255.255 on Linux, else the subnet-directed broadcast (see DhcpSocketPair). */
  broadcastAddress?: string;
  /** Where broadcasts are received; default '0.0.0.0'. */
  listenAddress?: string;
  /** Server port, default 67 (0 = any free port, for tests). */
  port?: number;
  /** proxyDHCP / PXE boot server port, default 4011 (proxy mode only). */
  proxyPort?: number;
  /** Where clients listen, default 68. */
  clientPort?: number;
  /** Full-mode pool; default the upper half of the subnet. Must lie inside the subnet. */
  range?: { first: string; last: string };
  leaseSeconds?: number;
  router?: string;
  dns?: string[];
  /** Lease persistence (dhcp-leases.json); none when absent. */
  dataDir?: string;
  bootPolicy: BootPolicy;
  /** How long an OFFERed address is held for the client's REQUEST. */
  offerHoldSeconds?: number;
  /** How long a DECLINEd address stays out of the pool. */
  declineQuarantineSeconds?: number;
  /**
   * Full mode: tell iPXE (option 175.176 no-pxedhcp = 1) not to wait for ProxyDHCP offers,
   * which otherwise costs every boot 2–3 s. Default true.
   */
  ipxeSkipProxyDhcpWait?: boolean;
  /**
   * Full mode: keep watching for another DHCP server. Both ways listen on the client port (68)
   * with a wildcard + address-bound socket pair, SO_REUSEADDR, so a DHCP client of this machine
   * keeps working (its own socket is address-bound or raw in every common implementation).
   * `passive` (default true) reports any foreign OFFER/ACK broadcast seen on the chosen network
   * (source or offered address inside the subnet); `probeIntervalMs` (default 60 s, 0 = never)
   * sends our own DISCOVER, since a server that unicasts its answers is invisible otherwise.
   */
  conflictWatch?: { passive?: boolean; probeIntervalMs?: number };
  now?: () => number;
}
