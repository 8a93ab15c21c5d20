import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LogEntry } from '@shared/api.ts';
import { useApi } from '../api/use-api.ts';

/** Enough to scroll back through a busy session; the full log stays on disk and in the export. */
export const LOG_LIMIT = 2000;

export type LogLevel = LogEntry['level'];

export const useLogStore = defineStore('log', () => {
  const api = useApi();
  const entries = ref<LogEntry[]>([]);
  const query = ref('');
  const levels = ref<Record<LogLevel, boolean>>({ info: true, warn: true, error: true });

  function push(entry: LogEntry): void {
    entries.value.push(entry);
    if (entries.value.length > LOG_LIMIT) entries.value.splice(0, entries.value.length - LOG_LIMIT);
  }

  api.on('log.entry', push);

  async function hydrate(): Promise<void> {
    const recent = await api.call('log.recent', { limit: LOG_LIMIT });
    // Entries that arrived while the snapshot was in flight are newer than all of it.
    const last = recent.at(-1)?.ts ?? '';
    const newer = entries.value.filter((e) => e.ts > last);
    entries.value = [...recent, ...newer].slice(-LOG_LIMIT);
  }

  const filtered = computed(() => {
    const q = query.value.trim().toLowerCase();
    return entries.value.filter((e) => {
      if (!levels.value[e.level]) return false;
      if (!q) return true;
      return e.message.toLowerCase().includes(q) || e.source.toLowerCase().includes(q) || (e.client ?? '').includes(q);
    });
  });

  /** The engine's full session log as JSON lines. */
  const exportText = () => api.call('log.export', undefined);

  /** Versions, settings, interfaces and recent log, redacted: what to attach to a help request. */
  const diagnosticsText = () => api.call('diagnostics.export', undefined);
  const openFolder = api.openLogsFolder ? () => api.openLogsFolder!() : undefined;

  return { entries, query, levels, filtered, hydrate, exportText, diagnosticsText, openFolder, push };
});
