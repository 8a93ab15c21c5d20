/**
 * Long fuzz run of the UDF reader (the unit test runs 2000 cases; this runs until a deadline).
 *
 *   node --import tsx test/fuzz/udf-fuzz.ts [--seconds 600] [--seed N]
 *
 * Prints progress every 10 s; on the first case that throws anything but an IsoError it
 * prints the seed and case seed (replayable) and exits 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildUdfFuzzCorpus, fuzzUdf } from '../support/udf-fuzz.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' } } });
const seconds = Number(values.seconds);
let seed = Number(values.seed ?? (Date.now() % 2 ** 31));
const work = await mkdtemp(join(tmpdir(), 'bootcast-udf-fuzz-'));
try {
  const corpus = await buildUdfFuzzCorpus(work);
  const end = Date.now() + seconds * 1000;
  const total = { cases: 0, ok: 0, isoErrors: 0 };
  console.log(`fuzzing for ${seconds} s from seed ${seed} over ${corpus.map((c) => `${c.name} (${c.bytes.length} bytes)`).join(', ')}`);
  while (Date.now() < end) {
    const r = await fuzzUdf(corpus, seed, 100_000, Math.min(end, Date.now() + 10_000));
    total.cases += r.cases;
    total.ok += r.ok;
    total.isoErrors += r.isoErrors;
    console.log(`seed ${seed}: ${total.cases} cases, ${total.ok} opened and read, ${total.isoErrors} IsoErrors`);
    seed++;
  }
  console.log('no crash, no hang, no error other than IsoError');
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
