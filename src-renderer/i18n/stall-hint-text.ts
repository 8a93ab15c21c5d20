import { isStallCode, stallHintText, type StallParams } from '@shared/stall-hints.ts';
import { stallHintJa } from './stall-hints-ja.ts';
import type { Locale } from './translate.ts';

/**
 * A stall hint in the UI's language: from its code and parameters when the engine gave them,
 * else the engine's own English sentence (an unknown code from a newer engine, say).
 */
export function stallHintIn(locale: Locale, code: unknown, params: StallParams | undefined, engineText: string | undefined): string | undefined {
  if (!isStallCode(code)) return engineText;
  if (locale === 'ja') return stallHintJa(code, params ?? {});
  return engineText ?? stallHintText(code, params ?? {});
}
