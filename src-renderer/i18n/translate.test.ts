import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { ja } from './ja.ts';
import { kindLabel, localeFromLanguages, translate } from './translate.ts';

describe('translations', () => {
  it('follow the system language: Japanese for any ja variant, English otherwise', () => {
    expect(localeFromLanguages(['ja-JP', 'en-US'])).toBe('ja');
    expect(localeFromLanguages(['en-GB', 'ja'])).toBe('en');
    expect(localeFromLanguages(['de-DE'])).toBe('en');
  });

  it('fill placeholders by name and leave unknown ones visible', () => {
    expect(translate('en', 'clients.ago', { time: '5 s' })).toBe('5 s ago');
    expect(translate('ja', 'clients.ago', { time: '5 s' })).toBe('5 s 前');
    expect(translate('en', 'clients.ago')).toBe('{time} ago');
  });

  it('use the same placeholders in Japanese as in English for every message', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect(names(ja[key]), key).toEqual(names(en[key]));
  });

  it('label timeline kinds in both languages, and show an unknown kind by its raw name', () => {
    expect(kindLabel('en', 'tftp.done')).toBe('TFTP download finished');
    expect(kindLabel('ja', 'tftp.done')).toBe('TFTP ダウンロード完了');
    expect(kindLabel('ja', 'wol.sent')).toBe('wol.sent');
  });
});
