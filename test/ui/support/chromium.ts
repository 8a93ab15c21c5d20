import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, in a throw-away profile. The network-related flags stop it from
 * calling home (update checks, sync, field trials), which it would otherwise retry forever here.
 * `executablePath` replaces the browser binary, e.g. with a wrapper that runs it in a network namespace.
 */
export async function launchChromium(options: { locale?: string; colorScheme?: 'light' | 'dark'; executablePath?: string } = {}): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'bootcast-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
