/** Decimal units (MB = 10^6), as download tools and the MB/s column use. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '–';
  const mb = bytesPerSecond / 1e6;
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`;
}

/** Whole percent, never 100 before the last byte: "100 %" must mean done. */
export function percentOf(bytes: number, total: number | undefined): number | undefined {
  if (!total || total <= 0) return undefined;
  const p = Math.floor((bytes / total) * 100);
  return bytes >= total ? 100 : Math.min(p, 99);
}
