import { mkdir, open, rm, statfs } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { DEFAULT_LIMITS, type ServerLimits } from '../../shared/server-limits.ts';
import { sendError, sendJson } from './api-call-route.ts';

export type UploadLimits = Pick<ServerLimits, 'uploadMaxBytes' | 'uploadReserveBytes'>;

/** Device names Windows resolves in every directory, with or without an extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;

/**
 * A file name safe to create in the upload directory: no directories, no hidden files, no
 * control or shell-hostile characters, nothing Windows treats as a device or trims away.
 * Keeps letters of any script (Japanese file names are common). One pass, in this order:
 * strip directories, replace bad characters, then trim spaces and dots from both ends together,
 * so " .bashrc" cannot come out as ".bashrc".
 */
export function safeUploadName(raw: string): string | undefined {
  let name = basename(raw.replaceAll('\\', '/'))
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  if (!name || name.length > 200) return undefined;
  return name;
}

/** Opens `dir/name` exclusively (mode 0600); on a clash tries `name-1.iso`, `name-2.iso`, … so nothing is overwritten. */
async function openFresh(dir: string, name: string): Promise<{ path: string; handle: FileHandle }> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    try {
      return { path, handle: await open(path, 'wx', 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`cannot find a free name for ${name} in ${dir}`);
}

class UploadTooLarge extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

const GiB = 1024 ** 3;
const size = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.ceil(n / 1024 / 1024)} MiB`);

/** How many bytes may be written: the size limit, or less when the disk would drop below the reserve. */
async function allowedBytes(dir: string, limits: UploadLimits): Promise<{ max: number; why: UploadTooLarge }> {
  const fs = await statfs(dir).catch(() => undefined);
  const room = fs ? fs.bavail * fs.bsize - limits.uploadReserveBytes : Infinity;
  if (room < limits.uploadMaxBytes) {
    return {
      max: Math.max(0, room),
      why: new UploadTooLarge(`not enough disk space in ${dir}: uploads must leave ${size(limits.uploadReserveBytes)} free (uploadReserveBytes); free some space or copy the ISO there yourself`, 507, 'no-space'),
    };
  }
  return { max: limits.uploadMaxBytes, why: new UploadTooLarge(`uploads are limited to ${size(limits.uploadMaxBytes)} (uploadMaxBytes); raise the limit with --limit uploadMaxBytes=…`, 413, 'too-large') };
}

/**
 * PUT /api/upload?name=x.iso: streams the body into `uploadDir` (never buffered: ISOs are GBs)
 * and answers `{"path": …}`, which the UI then passes to images.add like a dropped file's path.
 */
export async function handleUpload(uploadDir: string, url: URL, req: IncomingMessage, res: ServerResponse, limits: UploadLimits = DEFAULT_LIMITS): Promise<void> {
  if (req.method !== 'PUT') {
    res.writeHead(405, { Allow: 'PUT' }).end();
    return;
  }
  const name = safeUploadName(url.searchParams.get('name') ?? '');
  if (!name) {
    sendError(res, 400, 'bad-name', 'upload needs ?name=<file name>, e.g. ?name=debian.iso');
    return;
  }
  await mkdir(uploadDir, { recursive: true, mode: 0o700 });
  const allowed = await allowedBytes(uploadDir, limits);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > allowed.max) {
    refuse(req, res, allowed.why);
    return;
  }
  const target = await openFresh(uploadDir, name);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      received += chunk.byteLength;
      callback(received > allowed.max ? allowed.why : null, chunk);
    },
  });
  try {
    // Written through the handle opened with wx: no second open that another process could race.
    await pipeline(req, counter, target.handle.createWriteStream({ autoClose: true }));
  } catch (err) {
    await target.handle.close().catch(() => undefined);
    await rm(target.path, { force: true });
    if (err instanceof UploadTooLarge) refuse(req, res, err);
    else if (!res.headersSent && !res.destroyed) sendError(res, 500, 'upload-failed', `upload of ${name} to ${uploadDir} failed: ${(err as Error).message}`);
    return;
  }
  sendJson(res, 200, { path: target.path });
}

function refuse(req: IncomingMessage, res: ServerResponse, err: UploadTooLarge): void {
  if (res.headersSent || res.destroyed) return;
  res.setHeader('Connection', 'close');
  sendError(res, err.status, err.code, err.message);
  // The rest of the body is not wanted: stop reading it once the answer is out.
  res.once('finish', () => req.destroy());
}
