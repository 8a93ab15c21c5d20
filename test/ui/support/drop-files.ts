import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Page } from 'playwright-core';

/** The few DOM constructors the in-page code needs; the Node tsconfig has no DOM library. */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options?: { type?: string }) => unknown;
  DragEvent: new (type: string, init: { bubbles: boolean; cancelable: boolean; dataTransfer: unknown }) => unknown;
  document: { querySelector(selector: string): { dispatchEvent(e: unknown): boolean } | null };
  atob(data: string): string;
}

/**
 * Drops files from disk onto an element the way a user's drag from the file manager does:
 * dragenter, dragover and drop carrying a DataTransfer of Files (bytes copied into the page).
 */
export async function dropFiles(page: Page, selector: string, paths: string[]): Promise<void> {
  const files = await Promise.all(paths.map(async (p) => ({ name: basename(p), base64: (await readFile(p)).toString('base64') })));
  await page.evaluate(
    ({ selector, files }) => {
      const g = globalThis as unknown as PageGlobals;
      const transfer = new g.DataTransfer();
      for (const f of files) {
        const bytes = Uint8Array.from(g.atob(f.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new g.File([bytes], f.name, { type: 'application/x-iso9660-image' }));
      }
      const target = g.document.querySelector(selector);
      if (!target) throw new Error(`nothing matches ${selector} to drop files on`);
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new g.DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    },
    { selector, files },
  );
}
