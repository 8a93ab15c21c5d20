import { isLoaderFile, type LoaderFile, type LoaderHistory } from '../boot/first-stage-loader.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';

/**
 * Per MAC, what happened after the last first-stage loader: did the client fetch its boot
 * script, or did it come back to DHCP without one (its firmware's SNP/UNDI driver did not carry
 * iPXE)? Fed the attributed timeline events; read by the loader choice. Bounded: the oldest MAC
 * is forgotten first.
 */
export class LoaderAttempts {
  private readonly byMac = new Map<string, { fetched?: LoaderFile; history: LoaderHistory }>();

  constructor(private readonly maxClients = 4096) {}

  history(mac: string): LoaderHistory {
    return { ...this.byMac.get(mac)?.history };
  }

  /** A timeline sink: loader downloads and boot-script requests, by client MAC. */
  observe(event: TimelineEvent): void {
    const mac = event.client;
    if (!mac) return;
    if (event.kind === 'boot.script') {
      const entry = this.byMac.get(mac);
      if (entry?.fetched) this.put(mac, { history: { workedWith: entry.fetched } });
      return;
    }
    if (event.kind === 'dhcp.discover') {
      // Asking for an address again after a complete loader download and no boot script.
      const entry = this.byMac.get(mac);
      if (entry?.fetched && !event.ipxe) this.put(mac, { history: { ...entry.history, stuckAfter: entry.fetched } });
      return;
    }
    if ((event.kind === 'tftp.done' || event.kind === 'http.done') && event.outcome === 'complete') {
      const name = event.path.replace(/^\/+/, '').split('?')[0]!;
      if (!isLoaderFile(name)) return;
      const entry = this.byMac.get(mac);
      this.put(mac, { fetched: name, history: entry?.history ?? {} });
    }
  }

  private put(mac: string, value: { fetched?: LoaderFile; history: LoaderHistory }): void {
    this.byMac.delete(mac);
    this.byMac.set(mac, value);
    if (this.byMac.size > this.maxClients) this.byMac.delete(this.byMac.keys().next().value!);
  }
}
