import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { ClientDetail } from '@shared/api.ts';
import type { TimelineEvent } from '@shared/timeline-event.ts';
import { useApi } from '../api/use-api.ts';

/** Per-client bound in the view; the engine keeps its own (bounded) history. */
const MAX_EVENTS = 1000;

/**
 * The timeline of one client, live: subscribes to `timeline.event` for as long as the caller is
 * mounted, loads the client's history whenever the MAC changes or the connection comes back,
 * and appends what arrives meanwhile without duplicating what the history already holds.
 */
export function useClientTimeline(mac: Readonly<Ref<string | null>>) {
  const api = useApi();
  const detail = ref<ClientDetail | null>(null);
  const events = ref<TimelineEvent[]>([]);
  const loading = ref(false);
  const notFound = ref(false);
  let generation = 0;
  /** Events for the current MAC that arrived while its history was loading. */
  let buffered: TimelineEvent[] = [];

  async function load(): Promise<void> {
    const current = mac.value;
    const mine = ++generation;
    buffered = [];
    events.value = [];
    detail.value = null;
    notFound.value = false;
    if (!current) return;
    loading.value = true;
    try {
      const got = await api.call('clients.get', { mac: current });
      if (mine !== generation) return;
      detail.value = got;
      notFound.value = got === null;
      const history = got?.events ?? [];
      const lastTs = history.at(-1)?.ts ?? '';
      const seen = new Set(history.filter((e) => e.ts === lastTs).map((e) => JSON.stringify(e)));
      const newer = buffered.filter((e) => e.ts > lastTs || (e.ts === lastTs && !seen.has(JSON.stringify(e))));
      events.value = [...history, ...newer].slice(-MAX_EVENTS);
    } catch {
      if (mine === generation) notFound.value = true;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const offEvent = api.on('timeline.event', (e) => {
    if (!mac.value || e.client !== mac.value) return;
    if (loading.value) {
      buffered.push(e);
      return;
    }
    events.value.push(e);
    if (events.value.length > MAX_EVENTS) events.value.splice(0, events.value.length - MAX_EVENTS);
  });
  const offStatus = api.onStatus((s) => {
    if (s === 'open') void load();
  });
  watch(mac, () => void load(), { immediate: true });

  onBeforeUnmount(() => {
    offEvent();
    offStatus();
    generation++;
  });

  return { detail, events, loading, notFound, reload: load };
}
