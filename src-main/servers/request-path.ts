/**
 * The one request-path sanitiser TFTP and HTTP share, so both refuse exactly the same things.
 *
 * A FileSource is never a directory, but it maps paths onto ISO trees and bundled resources,
 * and a path that climbs out of its root ("..") or names a drive must never reach it.
 *
 * Decisions:
 * - Backslashes are path separators. Windows clients (WDS, some vendor PXE ROMs) ask for
 *   "boot\x64\wdsnbp.com"; PXE servers conventionally treat `\` as `/`. The normalisation runs
 *   before the traversal check, so "..\..\etc" is refused like "../../etc".
 * - Relative TFTP names ("pxelinux.0") mean the root: every result starts with "/".
 * - HTTP paths are percent-decoded exactly once, before the checks: "%2e%2e/" and "..%2f" are
 *   traversal; "%252e%252e" decodes to the literal name "%2e%2e", which is not.
 * - A drive ("C:\…", "c:/…") is refused rather than stripped: the client asked for a file on
 *   its own disk layout, and guessing what it meant would hide a misconfiguration.
 * - A trailing slash names a directory; directories are never served (no listings).
 */
export type PathRefusalReason =
  | 'empty'
  | 'too-long'
  | 'bad-percent-encoding'
  | 'control-character'
  | 'windows-drive'
  | 'traversal'
  | 'directory';

export type SanitisedPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: PathRefusalReason; readonly detail: string };

export interface SanitiseOptions {
  /** 'http' percent-decodes the path first; 'tftp' takes the filename bytes as they came. */
  readonly protocol: 'tftp' | 'http';
}

/** Longer than any real boot path; bounds the work a hostile request can cause. */
export const MAX_REQUEST_PATH_LENGTH = 1024;

export function sanitiseRequestPath(raw: string, options: SanitiseOptions): SanitisedPath {
  if (raw.length > MAX_REQUEST_PATH_LENGTH * 3) return refuse('too-long', `path is ${raw.length} characters; the limit is ${MAX_REQUEST_PATH_LENGTH}`);
  let text = raw;
  if (options.protocol === 'http') {
    try {
      text = decodeURIComponent(raw);
    } catch {
      return refuse('bad-percent-encoding', `path ${JSON.stringify(raw)} has a malformed %-escape or encodes invalid UTF-8`);
    }
  }
  if (text.length === 0) return refuse('empty', 'the request names no file');
  if (text.length > MAX_REQUEST_PATH_LENGTH) return refuse('too-long', `path is ${text.length} characters; the limit is ${MAX_REQUEST_PATH_LENGTH}`);
  // NUL ends a C string in whatever consumes the name later; other control characters only
  // ever appear in attacks or corrupted packets.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(text);
  if (control) return refuse('control-character', `path contains control character 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at offset ${control.index}`);

  const slashed = text.replace(/\\/g, '/');

  const segments = slashed.split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return refuse('traversal', `path ${JSON.stringify(text)} contains a ".." segment`);
    kept.push(segment);
  }
  // Checked on the first kept segment so "./C:/x" and "\\C:\\x" are caught as well as "C:\\x".
  if (kept.length > 0 && /^[A-Za-z]:/.test(kept[0]!)) return refuse('windows-drive', `path ${JSON.stringify(text)} names a Windows drive; ask for a path relative to the server root`);
  if (kept.length === 0) return refuse('directory', 'the request names the root directory; directories are not served');
  if (slashed.endsWith('/')) return refuse('directory', `path ${JSON.stringify(text)} names a directory; directories are not served`);
  return { ok: true, path: '/' + kept.join('/') };
}

function refuse(reason: PathRefusalReason, detail: string): SanitisedPath {
  return { ok: false, reason, detail };
}
