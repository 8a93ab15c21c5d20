import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildFuzzCorpus, fuzz } from '../../test/support/iso-fuzz.ts';

// A fixed seed keeps CI reproducible; BOOTCAST_FUZZ_SEED explores others. The long run is
// test/fuzz/iso-fuzz.ts.
const SEED = Number(process.env['BOOTCAST_FUZZ_SEED'] ?? 20261126);
const CASES = 3000;

let work: string;
let corpus: Awaited<ReturnType<typeof buildFuzzCorpus>>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-iso-fuzz-'));
  corpus = await buildFuzzCorpus(work);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it(`survives ${CASES} mutated images with nothing but IsoErrors (seed ${SEED})`, async () => {
  const report = await fuzz(corpus, SEED, CASES);
  expect(report.cases).toBe(CASES);
  // Both outcomes must occur, or the mutations are too weak (or too destructive) to test anything.
  expect(report.ok).toBeGreaterThan(CASES / 20);
  expect(report.isoErrors).toBeGreaterThan(CASES / 20);
}, 300_000);
