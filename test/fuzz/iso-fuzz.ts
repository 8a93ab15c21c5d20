/**
 * Long fuzz run of the ISO reader (the unit test runs 3000 cases; this runs until a deadline).
 *
 *   node --import tsx test/fuzz/iso-fuzz.ts [--seconds 600] [--seed N]
 *
 * Prints progress every 10 s; on the first case that throws anything but an IsoError it
 * prints the seed and case seed (replayable) and exits 1.
 */
import { buildFuzzCorpus, fuzz } from '../support/iso-fuzz.ts';
import { runLongFuzz } from '../support/long-fuzz-run.ts';

await runLongFuzz('iso', buildFuzzCorpus, fuzz);
