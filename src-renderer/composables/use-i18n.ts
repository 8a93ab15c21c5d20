import { storeToRefs } from 'pinia';
import { useUiStore } from '../stores/ui.ts';

/** `t('key', {param})` in the current language; re-renders when the language changes. */
export function useI18n() {
  const ui = useUiStore();
  const { locale } = storeToRefs(ui);
  return { t: ui.t, locale };
}
