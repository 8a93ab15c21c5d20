/**
 * ECMA-167 timestamp (1/7.3): type and time zone, then year … microseconds. Returns undefined for
 * the all-zero "not recorded" value and for values that are not a date.
 */
export function parseTimestamp(v: DataView, at: number): Date | undefined {
  const typeTz = v.getUint16(at, true);
  const year = v.getInt16(at + 2, true);
  const month = v.getUint8(at + 4);
  const day = v.getUint8(at + 5);
  if (year === 0 && month === 0 && day === 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let tz = typeTz & 0xfff;
  if (tz & 0x800) tz -= 0x1000;
  const offsetMin = tz === -2047 || (typeTz >> 12) !== 1 ? 0 : tz;
  const ms = v.getUint8(at + 9) * 10 + v.getUint8(at + 10) / 10;
  const t = Date.UTC(year, month - 1, day, v.getUint8(at + 6), v.getUint8(at + 7), v.getUint8(at + 8), ms) - offsetMin * 60_000;
  return Number.isFinite(t) ? new Date(t) : undefined;
}
