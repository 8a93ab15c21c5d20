import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildUdfFuzzCorpus, fuzzUdf, type UdfCorpusImage } from '../../test/support/udf-fuzz.ts';

// A fixed seed keeps CI reproducible; BOOTCAST_FUZZ_SEED explores others. The long run is
// test/fuzz/udf-fuzz.ts.
const SEED = Number(process.env['BOOTCAST_FUZZ_SEED'] ?? 20261206);
const CASES = 2000;

let work: string;
let corpus: UdfCorpusImage[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-udf-fuzz-'));
  corpus = await buildUdfFuzzCorpus(work);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it(`survives ${CASES} mutated UDF images with nothing but IsoErrors (seed ${SEED})`, async () => {
  expect(corpus.every((c) => c.tags.length > 20)).toBe(true);
  const report = await fuzzUdf(corpus, SEED, CASES);
  expect(report.cases).toBe(CASES);
  expect(report.ok).toBeGreaterThan(CASES / 20);
  expect(report.isoErrors).toBeGreaterThan(CASES / 20);
}, 300_000);
