/**
 * DHCP option codes Bootcast reads or writes (RFC 2132 unless noted) and the message types of
 * option 53. Names are for logs and error messages.
 */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  BROADCAST_ADDRESS: 28,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER_NAME: 66,
  BOOTFILE_NAME: 67,
  /** RFC 3004; iPXE sends the bare string "iPXE". */
  USER_CLASS: 77,
  /** RFC 3046 relay agent information. */
  RELAY_AGENT: 82,
  /** RFC 4578 client system architecture. */
  CLIENT_ARCH: 93,
  /** RFC 4578 client network interface identifier (UNDI version). */
  CLIENT_NDI: 94,
  /** RFC 4578 client machine identifier (UUID/GUID). */
  CLIENT_UUID: 97,
  /** iPXE's encapsulated options (https://ipxe.org/howto/dhcpd). */
  IPXE_ENCAPSULATED: 175,
  END: 255,
} as const;

/** iPXE encapsulated sub-options (inside option 175). */
export const IpxeSubOption = {
  /** Set to 1 by a DHCP server so iPXE does not wait for ProxyDHCP offers. */
  NO_PXEDHCP: 176,
  BUS_ID: 177,
  VERSION: 235,
} as const;

export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type DhcpMessageTypeName = 'discover' | 'offer' | 'request' | 'decline' | 'ack' | 'nak' | 'release' | 'inform';

const TYPE_NAMES: Record<number, DhcpMessageTypeName> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
};

export function messageTypeName(type: number): DhcpMessageTypeName | undefined {
  return TYPE_NAMES[type];
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** RFC 2131 §2: the leftmost bit of `flags`. */
export const BROADCAST_FLAG = 0x8000;
/** RFC 1497 magic cookie 99.130.83.99 at offset 236. */
export const MAGIC_COOKIE = 0x63825363;
/** RFC 951: the fixed BOOTP header before the cookie/vendor area. */
export const BOOTP_HEADER_LENGTH = 236;
/** RFC 1542 §3.3 / RFC 951: a BOOTP message is at least 300 bytes (236 + 64-byte vendor area). */
export const BOOTP_MIN_LENGTH = 300;
/** RFC 2131 §2: every DHCP client must accept 576-byte messages. */
export const DHCP_DEFAULT_MAX_LENGTH = 576;
