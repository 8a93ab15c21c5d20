export { NbdServer, NBD_DEFAULT_PORT, type NbdServerOptions } from './nbd-server.ts';
export type { NbdExport, NbdExportListing, NbdExportProvider } from './export-provider.ts';
export { staticExports } from './export-provider.ts';
export { fileExport } from './file-export.ts';
export type * from './nbd-events.ts';
