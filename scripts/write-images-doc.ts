// Rewrites docs/images.md from the recipes' RecipeDocs and the proven-plan table (`npm run docs:images`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderImagesDoc } from '../src-main/boot/recipes/images-doc.ts';

export const IMAGES_DOC_PATH = join(import.meta.dirname, '..', 'docs', 'images.md');

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(IMAGES_DOC_PATH, renderImagesDoc());
  process.stdout.write(`wrote ${IMAGES_DOC_PATH}\n`);
}
