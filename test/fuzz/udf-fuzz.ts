/**
 * Long fuzz run of the UDF reader (the unit test runs 2000 cases; this runs until a deadline).
 *
 *   node --import tsx test/fuzz/udf-fuzz.ts [--seconds 600] [--seed N]
 *
 * Prints progress every 10 s; on the first case that throws anything but an IsoError it
 * prints the seed and case seed (replayable) and exits 1.
 */
import { buildUdfFuzzCorpus, fuzzUdf } from '../support/udf-fuzz.ts';
import { runLongFuzz } from '../support/long-fuzz-run.ts';

await runLongFuzz('udf', buildUdfFuzzCorpus, fuzzUdf);
