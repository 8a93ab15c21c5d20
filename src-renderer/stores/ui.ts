import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { localeFromLanguages, translate, type Locale, type MessageParams } from '../i18n/translate.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { ConnectionStatus } from '../api/bootcast-client.ts';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type ViewName = 'images' | 'network' | 'clients' | 'log';

const LOCALE_KEY = 'bootcast.locale';
const THEME_KEY = 'bootcast.theme';

function stored<T extends string>(key: string, allowed: readonly T[]): T | undefined {
  try {
    const value = globalThis.localStorage?.getItem(key);
    return allowed.find((a) => a === value);
  } catch {
    return undefined;
  }
}

function store(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Private windows may refuse storage; the choice then lasts for this session only.
  }
}

/** Language, theme, current screen and connection state: what the whole window shares. */
export const useUiStore = defineStore('ui', () => {
  const languages = globalThis.navigator?.languages?.length ? globalThis.navigator.languages : [globalThis.navigator?.language ?? 'en'];
  const locale = ref<Locale>(stored(LOCALE_KEY, ['en', 'ja'] as const) ?? localeFromLanguages(languages));
  const theme = ref<ThemeChoice>(stored(THEME_KEY, ['system', 'light', 'dark'] as const) ?? 'system');
  const view = ref<ViewName>('images');
  const connection = ref<ConnectionStatus>('connecting');

  watch(locale, (l) => store(LOCALE_KEY, l));
  watch(theme, (t) => store(THEME_KEY, t));

  function t(key: MessageKey, params?: MessageParams): string {
    return translate(locale.value, key, params);
  }

  const connected = computed(() => connection.value === 'open');
  /** Until the first connection, "reconnecting" would be the wrong word. */
  const everConnected = ref(false);
  watch(connection, (c) => {
    if (c === 'open') everConnected.value = true;
  }, { immediate: true });

  return { locale, theme, view, connection, connected, everConnected, t };
});
