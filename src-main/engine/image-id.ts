/**
 * Image ids appear in URLs (/images/<id>/…), as NBD export names and in the UI, so they are
 * short, readable and URL-safe: the file name without extension, lower-cased, with anything but
 * [a-z0-9._-] turned into '-'. A clash gets a numeric suffix.
 */
export function imageIdFor(fileName: string, taken: ReadonlySet<string>): string {
  const stem = fileName.replace(/\.(iso|img)$/i, '');
  let base = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  if (!base) base = 'image';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}
