/** Dual-stack sockets report IPv4 peers as "::ffff:a.b.c.d"; events and sources want the plain IPv4 form. */
export function stripV4Mapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
