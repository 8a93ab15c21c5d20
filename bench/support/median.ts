/** The middle of the sorted samples (the upper one of the two for an even count); robust to a few slow outliers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
