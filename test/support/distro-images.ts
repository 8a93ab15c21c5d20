import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * ISOs with distributions' real boot components for the real-initramfs e2e matrix, built by
 * make-distro-iso.sh and cached between runs under ${XDG_CACHE_HOME:-~/.cache}/bootcast/distro-isos,
 * keyed by what goes into them (the build script and the kernel it packs), so a changed script or a
 * Debian kernel update rebuilds and an unchanged one costs nothing.
 */
export type DistroKind = 'live-boot' | 'live-boot-layers' | 'dracut' | 'd-i';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'test/support/make-distro-iso.sh');
const KERNEL = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux';
const INITRD = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz';

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bootcast');
}

function inputKey(kind: DistroKind): string {
  const h = createHash('sha256').update(kind).update(readFileSync(SCRIPT));
  for (const f of [KERNEL, INITRD]) {
    const st = statSync(f);
    h.update(`${f} ${st.size} ${st.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 16);
}

/** Where the ISO of `kind` for the current inputs is cached: `<base>.iso` and `<base>.marker`. */
export function cachedIsoBase(kind: DistroKind): string {
  return join(cacheDir(), 'distro-isos', `${kind}-${inputKey(kind)}`);
}

/** The cached ISO of `kind` and the marker its root file system (or installer medium) carries; built on first use. */
export function distroIso(kind: DistroKind): { iso: string; marker: string; built: boolean } {
  const base = cachedIsoBase(kind);
  mkdirSync(dirname(base), { recursive: true });
  const iso = `${base}.iso`;
  const markerFile = `${base}.marker`;
  if (existsSync(iso) && existsSync(markerFile)) return { iso, marker: readFileSync(markerFile, 'utf8').trim(), built: false };
  const tmp = `${base}.${process.pid}.tmp.iso`;
  try {
    const out = execFileSync('bash', [SCRIPT, kind, tmp], { encoding: 'utf8', env: { ...process.env, CACHE: cacheDir() }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    const marker = out.trim().split('\n').pop()!;
    renameSync(tmp, iso);
    writeFileSync(markerFile, `${marker}\n`);
    return { iso, marker, built: true };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`make-distro-iso.sh ${kind} failed: ${e.message}\n${String(e.stderr ?? '').slice(-3000)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}
