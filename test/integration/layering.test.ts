import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering the design card asks for, enforced on the source text (the VS Code habit of a
 * rule that fails the build): pure code runs anywhere, the engine never needs Electron, and the
 * renderer reaches the main side only through the shared contract.
 */
const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|vue)$/.test(f) && !/\.test\.ts$/.test(f) && !f.split(sep).includes('testing'))
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

function violations(dirs: string[], bad: (file: string, spec: string, resolved: string, typeOnly: boolean) => boolean): string[] {
  return dirs.flatMap((dir) =>
    sources(dir).flatMap((file) => importsOf(file).filter((i) => bad(file, i.spec, target(file, i.spec), i.typeOnly)).map((i) => `${file} imports ${i.spec}`)),
  );
}

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
});
