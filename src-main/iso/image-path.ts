/**
 * Paths inside an image are absolute and '/'-separated. Normalising here (empty parts, '.',
 * '..' that cannot climb above the root) keeps lookups and the names we report consistent.
 */
export function pathParts(path: string): string[] {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts;
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
