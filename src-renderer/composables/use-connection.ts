import { onBeforeUnmount } from 'vue';
import { useApi } from '../api/use-api.ts';
import { useClientsStore } from '../stores/clients.ts';
import { useImagesStore } from '../stores/images.ts';
import { useLogStore } from '../stores/log.ts';
import { useNatStore } from '../stores/nat.ts';
import { useServerStore } from '../stores/server.ts';
import { useUiStore } from '../stores/ui.ts';

/**
 * Keeps every store in step with the engine: the stores subscribe to events when created, and
 * each time the transport reports `open` (start-up, and after every reconnection) they re-read
 * the full state. Subscribe first, then read: nothing can fall between the two.
 */
export function useConnection(): { rehydrate: () => Promise<void> } {
  const api = useApi();
  const ui = useUiStore();
  const stores = [useImagesStore(), useServerStore(), useClientsStore(), useNatStore(), useLogStore()];

  async function rehydrate(): Promise<void> {
    const results = await Promise.allSettled(stores.map((s) => s.hydrate()));
    for (const r of results) if (r.status === 'rejected') console.error('bootcast: could not load state:', r.reason);
  }

  ui.connection = api.status;
  const stop = api.onStatus((status) => {
    ui.connection = status;
    if (status === 'open') void rehydrate();
  });
  if (api.status === 'open') void rehydrate();
  onBeforeUnmount(stop);
  return { rehydrate };
}
