/**
 * What the NBD server serves. Like FileSource for TFTP/HTTP, the server never touches the
 * image library: it asks a provider for an export by name (the image id) and reads from it.
 */
export interface NbdExport {
  /** Size in bytes, fixed for the life of the connection. */
  readonly size: number;
  /**
   * Exactly `length` bytes at `offset`; the server only asks for ranges inside [0, size).
   * Rejecting (or returning fewer bytes) answers that request with EIO.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional fast path: fill all of `target` with the bytes at `offset`. When present the server
   * reads into pooled buffers that already hold the reply header, so a reply is one write.
   */
  readInto?(target: Uint8Array, offset: number): Promise<void>;
  /** Called once when the connection that opened the export is done with it. */
  close?(): Promise<void>;
}

export interface NbdExportListing {
  name: string;
  description?: string;
}

export interface NbdExportProvider {
  /** The exports NBD_OPT_LIST announces; without it, listing is refused (NBD_REP_ERR_POLICY). */
  list?(): NbdExportListing[];
  /** The export called `name`, opened for one connection, or null when there is none. */
  open(name: string): Promise<NbdExport | null>;
}

/** A provider over a fixed set of exports (tests, benches, the CLI's single-image mode). */
export function staticExports(entries: Array<NbdExportListing & { open(): Promise<NbdExport> }>): NbdExportProvider {
  return {
    list: () => entries.map(({ name, description }) => (description === undefined ? { name } : { name, description })),
    open: async (name) => {
      const entry = entries.find((e) => e.name === name);
      return entry ? entry.open() : null;
    },
  };
}
