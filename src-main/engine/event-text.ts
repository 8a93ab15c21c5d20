import type { LogEntry } from '../shared/api.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';

/**
 * The human log line for a timeline event (the log view, `log.recent`, the CLI's output).
 * Progress events give none: the client list shows progress; the log would drown in it.
 */
export function describeEvent(e: TimelineEvent): LogEntry | undefined {
  if (e.kind.endsWith('.progress')) return undefined;
  const source = e.kind.slice(0, e.kind.indexOf('.'));
  const who = e.client ?? e.ip ?? 'unknown client';
  const d = (k: string): string | undefined => {
    const v = e[k];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  const path = d('path') ?? '';
  let level: LogEntry['level'] = 'info';
  let message: string;

  switch (e.kind) {
    case 'dhcp.discover':
    case 'dhcp.request':
    case 'dhcp.inform':
    case 'dhcp.decline':
    case 'dhcp.release': {
      const what = e['ipxe'] === true ? 'iPXE' : e['pxe'] === true ? 'PXE' : 'client';
      message = `${who}: DHCP ${e.kind.slice(5)} (${what}${d('archName') ? `, ${d('archName')}` : ''})${e.ip ? ` ${e.ip}` : ''}`;
      break;
    }
    case 'dhcp.offer':
    case 'dhcp.ack':
      message = `${who}: DHCP ${e.kind.slice(5)} ${e.ip ?? ''}${d('bootFile') ? `, boot file ${d('bootFile')}` : ''}`;
      break;
    case 'dhcp.proxy':
      message = `${who}: proxyDHCP ${d('answer') ?? 'answer'}${d('bootFile') ? `, boot file ${d('bootFile')}` : ''}`;
      break;
    case 'dhcp.nak':
      level = 'warn';
      message = `${who}: DHCP NAK${d('reason') ? `: ${d('reason')}` : ''}`;
      break;
    case 'dhcp.ignored':
      message = `${who}: DHCP ignored${d('reason') ? `: ${d('reason')}` : ''}`;
      break;
    case 'tftp.start':
    case 'http.start':
      message = `${who}: ${source.toUpperCase()} ${path}${d('range') ? ` (${d('range')})` : ''}`;
      break;
    case 'tftp.done':
    case 'http.done': {
      const status = typeof e['status'] === 'number' ? e['status'] : undefined;
      const outcome = d('outcome');
      const ok = (status === undefined || status < 400) && (outcome === undefined || outcome === 'complete');
      const size = typeof e['bytes'] === 'number' ? formatBytes(e['bytes']) : '';
      const secs = typeof e['durationMs'] === 'number' ? ` in ${(e['durationMs'] / 1000).toFixed(1)} s` : '';
      if (ok) message = `${who}: sent ${path} (${size}${secs})`;
      else {
        // The TFTP size probe is routine: PXE ROMs ask for tsize, abort, then ask again.
        level = outcome === 'options-probe' ? 'info' : 'warn';
        message = `${who}: ${path} not delivered: ${status !== undefined && status >= 400 ? `HTTP ${status}` : outcome}${d('detail') ? ` (${d('detail')})` : ''}`;
      }
      break;
    }
    case 'tftp.error':
    case 'http.error':
    case 'nbd.error':
      level = 'warn';
      message = `${who}: ${source.toUpperCase()} ${path || d('export') || ''} failed: ${d('error') ?? d('message') ?? 'error'}`;
      break;
    case 'nbd.connect':
      message = `${who}: NBD connected to ${d('export') ?? '?'}`;
      break;
    case 'nbd.disconnect':
      message = `${who}: NBD ${d('export') ?? ''} closed (${d('reason') ?? '?'}${typeof e['bytes'] === 'number' ? `, ${formatBytes(e['bytes'])} read` : ''})`;
      break;
    case 'boot.script':
      message = `${who}: boot script for ${d('image') ?? 'the menu'}${d('plan') ? ` (${d('plan')})` : ''}`;
      break;
    case 'client.stalled':
      level = 'warn';
      message = `${who}: stalled — ${d('hint') ?? d('code') ?? ''}`;
      break;
    case 'client.done':
      message = `${who}: finished booting`;
      break;
    case 'nat.changed':
      message = `NAT ${e['enabled'] === true ? 'enabled' : e['enabled'] === false ? 'disabled' : 'changed'}${d('uplink') ? ` via ${d('uplink')}` : ''}`;
      break;
    case 'server.warning':
      level = 'warn';
      message = d('message') ?? 'warning';
      break;
    default:
      message = `${who}: ${e.kind}`;
  }
  const entry: LogEntry = { ts: e.ts, level, source: d('source') && e.kind === 'server.warning' ? d('source')! : source, message: message.trim() };
  if (e.client) entry.client = e.client;
  return entry;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
