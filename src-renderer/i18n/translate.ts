import { en, type MessageKey } from './en.ts';
import { ja } from './ja.ts';

export type Locale = 'en' | 'ja';
export const LOCALES: readonly Locale[] = ['en', 'ja'];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ja: '日本語' };

const CATALOGS: Record<Locale, Record<MessageKey, string>> = { en, ja };

export type MessageParams = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const text = CATALOGS[locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Japanese for any `ja*` browser language (ja, ja-JP), English otherwise. */
export function localeFromLanguages(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'ja') return 'ja';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}

/**
 * The label of a timeline event kind. An engine newer than this renderer may send kinds it has
 * no words for yet: those show as their raw name instead of breaking the timeline.
 */
export function kindLabel(locale: Locale, kind: string): string {
  return labelOr(locale, `kind.${kind}`, kind);
}

/** A service's name (DHCP, TFTP, …); likewise tolerant of services added to the engine later. */
export function serviceLabel(locale: Locale, service: string): string {
  return labelOr(locale, `server.service.${service}`, service);
}

function labelOr(locale: Locale, key: string, fallback: string): string {
  return isMessageKey(key) ? translate(locale, key) : fallback;
}
