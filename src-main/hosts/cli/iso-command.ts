import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { IsoError, IsoImage, type IsoEntry } from '../../iso/iso-image.ts';
import { defaultDataDir } from '../../engine/data-dir.ts';
import { findWimboot } from '../../engine/wimboot-file.ts';
import { infoSections, renderInfo } from './iso-info.ts';
import { EXIT_OK, NotFoundError, UsageError } from './usage-error.ts';

export const ISO_USAGE = `Usage: bootcast iso <command> IMAGE …

Read an ISO image in place: no mount, no extraction.

  bootcast iso info IMAGE [--json]              volume, hybrid layout, El Torito images, boot files,
                                                and how it network-boots: recipe and boot plans
      [--wimboot PATH] [--data-dir DIR]         where Windows plans would find wimboot, as for
                                                \`bootcast serve\` (else $BOOTCAST_WIMBOOT, else
                                                <data-dir>/wimboot)
  bootcast iso ls IMAGE [PATH] [-R] [--json]    list a directory (-R: everything below it);
                                                /[BOOT] holds the El Torito boot images
  bootcast iso cat IMAGE PATH                   write a file's bytes to standard output

  --fs udf|iso9660   read that file system of an image that has both (default: ISO 9660,
                     or UDF when the ISO 9660 side is only a stub, as on Windows media)

Exit status: 0 ok, 1 IMAGE or PATH not found, 2 bad image or bad usage.`;

interface Parsed {
  positional: string[];
  json: boolean;
  recursive: boolean;
  fileSystem: 'auto' | 'udf' | 'iso9660';
  wimboot?: string;
  dataDir?: string;
}

function parse(args: string[], allowed: { json?: boolean; recursive?: boolean; tools?: boolean }): Parsed {
  const out: Parsed = { positional: [], json: false, recursive: false, fileSystem: 'auto' };
  let onlyPositional = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (onlyPositional || !a.startsWith('-') || a === '-') out.positional.push(a);
    else if (a === '--') onlyPositional = true;
    else if (a === '--fs' || a.startsWith('--fs=')) {
      const v = a === '--fs' ? args[++i] : a.slice(5);
      if (v !== 'udf' && v !== 'iso9660') throw new UsageError(`--fs takes udf or iso9660, not '${v ?? ''}'`, ISO_USAGE);
      out.fileSystem = v;
    }
    else if (a === '--json' && allowed.json) out.json = true;
    else if ((a === '--wimboot' || a === '--data-dir') && allowed.tools) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`, ISO_USAGE);
      if (a === '--wimboot') out.wimboot = v;
      else out.dataDir = v;
    }
    else if ((a === '-R' || a === '--recursive') && allowed.recursive) out.recursive = true;
    else throw new UsageError(`unknown option '${a}'`, ISO_USAGE);
  }
  return out;
}

export async function isoCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help') || rest.includes('-h')) {
    if (!sub) throw new UsageError('missing command (info, ls or cat)', ISO_USAGE);
    process.stdout.write(ISO_USAGE + '\n');
    return EXIT_OK;
  }
  switch (sub) {
    case 'info': {
      const p = parse(rest, { json: true, tools: true });
      const [image, ...extra] = p.positional;
      if (!image || extra.length) throw new UsageError(image ? `unexpected argument '${extra[0]}'` : 'missing IMAGE', ISO_USAGE);
      const wimboot = findWimboot({ dataDir: resolve(p.dataDir ?? defaultDataDir()), path: p.wimboot });
      return withImage(image, p.fileSystem, async (img) => {
        await write(await renderInfo(img, p.json, infoSections(wimboot)));
        return EXIT_OK;
      });
    }
    case 'ls': {
      const p = parse(rest, { json: true, recursive: true });
      const [image, path = '/', ...extra] = p.positional;
      if (!image || extra.length) throw new UsageError(image ? `unexpected argument '${extra[0]}'` : 'missing IMAGE', ISO_USAGE);
      return withImage(image, p.fileSystem, (img) => ls(img, path, p.recursive, p.json));
    }
    case 'cat': {
      const p = parse(rest, {});
      const [image, path, ...extra] = p.positional;
      if (!image || !path || extra.length) throw new UsageError(extra.length ? `unexpected argument '${extra[0]}'` : 'usage: bootcast iso cat IMAGE PATH', ISO_USAGE);
      return withImage(image, p.fileSystem, (img) => cat(img, path));
    }
    default:
      throw new UsageError(`unknown iso command '${sub}'`, ISO_USAGE);
  }
}

function isMissingFile(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOENT';
}

async function withImage(file: string, fileSystem: Parsed['fileSystem'], fn: (img: IsoImage) => Promise<number>): Promise<number> {
  let img: IsoImage | undefined;
  try {
    img = await IsoImage.open(file, { fileSystem });
    return await fn(img);
  } catch (err) {
    // A missing image file or a path missing inside the image is exit 1; everything else about the image is exit 2.
    if (err instanceof IsoError && err.code === 'not-found') throw new NotFoundError(err.message);
    if (isMissingFile(err)) throw new NotFoundError(`image not found: ${file}`);
    throw err;
  } finally {
    await img?.close();
  }
}

async function ls(img: IsoImage, path: string, recursive: boolean, json: boolean): Promise<number> {
  const entry = await img.stat(path);
  if (!entry) throw new NotFoundError(`${img.path}: no ${path} in the image`);
  const isRoot = entry.path === '/';
  let entries: IsoEntry[];
  if (entry.kind === 'file' || (entry.kind === 'symlink' && !(await linksToDirectory(img, path)))) {
    entries = [entry];
  } else if (recursive) {
    entries = [];
    for await (const e of img.walk({ from: path, includeBoot: true })) entries.push(e);
  } else {
    entries = await img.list(path);
    // The El Torito images are not part of the file tree, but users look for them at the top.
    const boot = isRoot ? await img.stat('/[BOOT]') : null;
    if (boot) entries = [boot, ...entries];
  }
  if (json) {
    await write(JSON.stringify(entries.map(jsonEntry), null, 2) + '\n');
    return EXIT_OK;
  }
  const width = Math.max(1, ...entries.map((e) => String(e.size).length));
  const lines = entries.map((e) => {
    const type = { file: '-', dir: 'd', symlink: 'l' }[e.kind];
    const name = recursive ? e.path : e.name;
    const suffix = e.kind === 'dir' ? '/' : e.kind === 'symlink' ? ` -> ${e.target ?? ''}` : '';
    return `${type} ${String(e.size).padStart(width)}  ${name}${suffix}`;
  });
  await write(lines.join('\n') + (lines.length ? '\n' : ''));
  return EXIT_OK;
}

/** Like ls(1), a symlink named on the command line that leads to a directory lists that directory. */
async function linksToDirectory(img: IsoImage, path: string): Promise<boolean> {
  try {
    await img.list(path);
    return true;
  } catch (err) {
    if (err instanceof IsoError && (err.code === 'not-a-directory' || err.code === 'not-found')) return false;
    throw err;
  }
}

function jsonEntry(e: IsoEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, path: e.path, kind: e.kind, size: e.size };
  if (e.target !== undefined) out['target'] = e.target;
  if (e.mode !== undefined) out['mode'] = '0' + (e.mode & 0o7777).toString(8);
  if (e.mtime) out['mtime'] = e.mtime.toISOString();
  if (e.virtual) out['virtual'] = true;
  return out;
}

async function cat(img: IsoImage, path: string): Promise<number> {
  const entry = await img.stat(path);
  if (!entry) throw new NotFoundError(`${img.path}: no ${path} in the image`);
  if (entry.kind === 'dir') throw new UsageError(`${path} in ${img.path} is a directory; use bootcast iso ls`);
  const stream = img.createReadStream(path);
  try {
    await pipeToStdout(stream);
  } catch (err) {
    stream.destroy();
    // The reader went away (`… | head`): that is how pipelines end, not a failure. Writes
    // still queued may report EPIPE again later; swallow those instead of crashing.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
      process.stdout.on('error', () => {});
      return EXIT_OK;
    }
    throw err;
  }
  return EXIT_OK;
}

/** Copies with back-pressure; rejects on a read error or a write error (EPIPE included). */
async function pipeToStdout(stream: Readable): Promise<void> {
  const out = process.stdout;
  let writeError: Error | undefined;
  const onError = (err: Error) => (writeError = err);
  out.on('error', onError);
  try {
    for await (const chunk of stream) {
      if (writeError) throw writeError;
      if (!out.write(chunk)) {
        await Promise.race([once(out, 'drain'), once(out, 'error').then(([e]) => Promise.reject(e as Error))]);
      }
    }
    if (writeError) throw writeError;
    await new Promise<void>((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve())));
  } finally {
    out.off('error', onError);
  }
}

async function write(text: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(text, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(err) : resolve())),
  );
}
