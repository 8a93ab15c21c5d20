import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson } from './api-call-route.ts';

/**
 * A file name safe to create in the upload directory: no directories, no hidden files, no
 * control or shell-hostile characters. Keeps letters of any script (Japanese file names are common).
 */
export function safeUploadName(raw: string): string | undefined {
  const name = basename(raw.replaceAll('\\', '/'))
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  if (!name || name.length > 200) return undefined;
  return name;
}

/** Opens `dir/name` exclusively; on a clash tries `name-1.iso`, `name-2.iso`, … so nothing is overwritten. */
async function openFresh(dir: string, name: string): Promise<{ path: string; close(): Promise<void> }> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    try {
      const handle = await open(path, 'wx');
      return { path, close: () => handle.close() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`cannot find a free name for ${name} in ${dir}`);
}

/**
 * PUT /api/upload?name=x.iso: streams the body into `uploadDir` (never buffered: ISOs are GBs)
 * and answers `{"path": …}`, which the UI then passes to images.add like a dropped file's path.
 */
export async function handleUpload(uploadDir: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'PUT') {
    res.writeHead(405, { Allow: 'PUT' }).end();
    return;
  }
  const name = safeUploadName(url.searchParams.get('name') ?? '');
  if (!name) {
    sendError(res, 400, 'bad-name', 'upload needs ?name=<file name>, e.g. ?name=debian.iso');
    return;
  }
  await mkdir(uploadDir, { recursive: true });
  const target = await openFresh(uploadDir, name);
  await target.close();
  try {
    await pipeline(req, createWriteStream(target.path));
  } catch (err) {
    await rm(target.path, { force: true });
    if (!res.headersSent && !res.destroyed) {
      sendError(res, 500, 'upload-failed', `upload of ${name} to ${uploadDir} failed: ${(err as Error).message}`);
    }
    return;
  }
  sendJson(res, 200, { path: target.path });
}
