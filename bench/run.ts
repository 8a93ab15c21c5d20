/**
 * `npm run bench [NAME…]`: runs every bench/*.bench.ts (or those whose name contains one of
 * the arguments) one after another, so that each compares Bootcast with the standard tool
 * in the same run on an otherwise quiet machine. Each bench prints its own table of ratios.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ')}; have: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, bench)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${bench} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
