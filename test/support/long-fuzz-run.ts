/**
 * The command-line loop shared by the long fuzz runs in test/fuzz/: build a corpus in a scratch
 * folder, fuzz in 10-second slices with a fresh seed each, print progress, and exit 1 (with the
 * replayable seeds in the message) on the first case that throws anything but an IsoError.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FuzzReport } from './iso-fuzz.ts';

export async function runLongFuzz<C extends { name: string; bytes: Uint8Array }>(
  name: string,
  buildCorpus: (dir: string) => Promise<C[]>,
  fuzz: (corpus: C[], seed: number, cases: number, deadline: number) => Promise<FuzzReport>,
): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' } } });
  const seconds = Number(values.seconds);
  let seed = Number(values.seed ?? (Date.now() % 2 ** 31));
  const work = await mkdtemp(join(tmpdir(), `bootcast-${name}-fuzz-`));
  try {
    const corpus = await buildCorpus(work);
    const end = Date.now() + seconds * 1000;
    const total = { cases: 0, ok: 0, isoErrors: 0 };
    console.log(`fuzzing for ${seconds} s from seed ${seed} over ${corpus.map((c) => `${c.name} (${c.bytes.length} bytes)`).join(', ')}`);
    while (Date.now() < end) {
      const r = await fuzz(corpus, seed, 100_000, Math.min(end, Date.now() + 10_000));
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
}
