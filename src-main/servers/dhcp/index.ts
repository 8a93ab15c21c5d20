export { DhcpServer, type DhcpServerOptions } from './dhcp-server.ts';
export { probeForDhcpServer, decideDhcpMode, type ProbeOptions, type ProbeResult, type ForeignDhcpServer } from './dhcp-probe.ts';
export { defaultReplyBroadcast } from './dhcp-socket-pair.ts';
export { LEASE_FILE_NAME } from './lease-file.ts';
export type * from './dhcp-events.ts';
