import { describe, expect, it } from 'vitest';
import { bootFigures, freshTally, tallyDelivered, tallyEnded } from './boot-tally.ts';

describe('boot tally', () => {
  it('counts overlapping transfers once in the time spent transferring, and gaps not at all', () => {
    const t = freshTally(0);
    tallyDelivered(t, 1000, 2000, 1000); // 1000–2000
    tallyDelivered(t, 3000, 2500, 1000); // 1500–2500 overlaps: adds 500 ms
    tallyDelivered(t, 6000, 10_000, 1000); // 9000–10000 after a gap
    expect(bootFigures(t, 10_000)).toEqual({ startedAt: new Date(0).toISOString(), durationMs: 10_000, bytes: 10_000, bytesPerSecond: 4000 });
  });

  it('stops counting once the boot is over', () => {
    const t = freshTally(0);
    tallyDelivered(t, 500, 1000, 1000);
    tallyEnded(t, 4000);
    tallyDelivered(t, 99, 9000, 10);
    expect(bootFigures(t, 9000)).toMatchObject({ durationMs: 4000, bytes: 500, endedAt: new Date(4000).toISOString() });
  });

  it('gives no rate until something took measurable time', () => {
    const t = freshTally(0);
    expect(bootFigures(t, 0).bytesPerSecond).toBeUndefined();
    tallyDelivered(t, 800, 5, 0);
    expect(bootFigures(t, 5).bytesPerSecond).toBeUndefined();
  });
});
