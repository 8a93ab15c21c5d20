import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering the design card asks for, enforced on the source text (the VS Code habit of a
 * rule that fails the build): pure code runs anywhere, the engine never needs Electron, and the
 * renderer reaches the main side only through the shared contract.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** Product files of a folder: co-located unit tests are not product code. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|vue)$/.test(f) && !/\.test\.ts$/.test(f))
    .map((f) => join(dir, f));
}

/** Every module specifier a file imports or re-exports, with whether the import is type-only. */
function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[3]!, typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

/** Where a relative import lands, as a repository path. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, join(ROOT, file, '..', spec)) : spec;
}

function violations(dirs: string[], bad: (file: string, spec: string, resolved: string, typeOnly: boolean) => boolean, files = sources): string[] {
  return dirs.flatMap((dir) =>
    files(dir).flatMap((file) => importsOf(file).filter((i) => bad(file, i.spec, target(file, i.spec), i.typeOnly)).map((i) => `${file} imports ${i.spec}`)),
  );
}

const under = (resolved: string, ...dir: string[]): boolean => resolved.startsWith(join(...dir) + sep);

/**
 * What benchmarks may drive: the contract, the codecs, each server's class, the image reader and
 * the engine's log and timeline entry points. Anything else is an internal that may change
 * shape without notice (a transfer's state machine, the timeline's reducers).
 */
const BENCH_PUBLIC = [
  /^src-main\/shared\//,
  /^src-main\/protocol\//,
  /^src-main\/servers\/[a-z]+\/[a-z]+-server\.ts$/,
  /^src-main\/servers\/nbd\/index\.ts$/,
  /^src-main\/servers\/(file-source|dns-forwarder)\.ts$/,
  /^src-main\/iso\/iso-image\.ts$/,
  /^src-main\/engine\/(engine|event-log|event-lines)\.ts$/,
  /^src-main\/engine\/timeline\/client-timeline\.ts$/,
];

describe('layering', () => {
  it('only the Electron host and the preload import electron', () => {
    const list = violations(['src-main', 'src-renderer'], (file, spec) =>
      spec === 'electron' && !file.startsWith(join('src-main', 'hosts', 'electron')) && !file.startsWith(join('src-main', 'preload')));
    expect(list).toEqual([]);
  });

  it('shared code and protocol codecs are pure: no Node built-ins, nothing from the layers above', () => {
    const list = violations(['src-main/shared', 'src-main/protocol'], (_file, spec, resolved) =>
      spec.startsWith('node:') || (!spec.startsWith('.') ? true : !resolved.startsWith(join('src-main', 'shared')) && !resolved.startsWith(join('src-main', 'protocol'))));
    expect(list).toEqual([]);
  });

  it('the engine, servers and boot logic never reach into a host', () => {
    const list = violations(['src-main/engine', 'src-main/servers', 'src-main/boot', 'src-main/iso', 'src-main/net'], (_f, _s, resolved) =>
      resolved.startsWith(join('src-main', 'hosts')) || resolved.startsWith(join('src-main', 'preload')));
    expect(list).toEqual([]);
  });

  it('the renderer reaches the main side only through the shared contract (and preload types)', () => {
    const list = violations(['src-renderer'], (_f, spec, resolved, typeOnly) =>
      resolved.startsWith('src-main') && !resolved.startsWith(join('src-main', 'shared')) && !(typeOnly && resolved.startsWith(join('src-main', 'preload'))) && spec.startsWith('.'));
    expect(list).toEqual([]);
  });

  it('the renderer names the shared contract by its alias, @shared/…', () => {
    const list = violations(['src-renderer'], (_f, spec, resolved) => spec.startsWith('.') && under(resolved, 'src-main', 'shared'));
    expect(list).toEqual([]);
  });

  it('servers know nothing about booting: they take a policy and a file source, never boot/', () => {
    const list = violations(['src-main/servers'], (_f, _s, resolved) => under(resolved, 'src-main', 'boot'));
    expect(list).toEqual([]);
  });

  it('the image reader knows nothing about booting: iso/ never imports boot/', () => {
    const list = violations(['src-main/iso'], (_f, _s, resolved) => under(resolved, 'src-main', 'boot'));
    expect(list).toEqual([]);
  });

  it('no product module imports a test kit (test kits live in test/support)', () => {
    const list = violations(['src-main', 'src-renderer'], (_f, _s, resolved) => under(resolved, 'test'));
    expect(list).toEqual([]);
  });

  it('benchmarks drive the public modules only, not a layer\'s internals', () => {
    const benchFiles = (dir: string) => sources(dir).filter((f) => f.endsWith('.ts'));
    const list = violations(['bench'], (_f, spec, resolved) => spec.startsWith('.') && resolved.startsWith('src-') && !BENCH_PUBLIC.some((re) => re.test(resolved.split(sep).join('/'))), benchFiles);
    expect(list).toEqual([]);
  });
});
