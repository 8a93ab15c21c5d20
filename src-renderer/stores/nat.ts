import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { NatState } from '@shared/api.ts';
import { errorMessage } from '../api/bootcast-client.ts';
import { useApi } from '../api/use-api.ts';

export const useNatStore = defineStore('nat', () => {
  const api = useApi();
  const state = ref<NatState>({ supported: false, enabled: false, uplinkCandidates: [], applied: [] });
  const busy = ref(false);
  const actionError = ref<string | null>(null);

  api.on('nat.state', (next) => {
    state.value = next;
  });

  async function hydrate(): Promise<void> {
    state.value = await api.call('nat.state', undefined);
  }

  async function run(action: () => Promise<NatState>): Promise<void> {
    busy.value = true;
    actionError.value = null;
    try {
      state.value = await action();
    } catch (err) {
      actionError.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  }

  const enable = (uplink?: string) => run(() => api.call('nat.enable', uplink ? { uplink } : {}));
  const disable = () => run(() => api.call('nat.disable', undefined));

  return { state, busy, actionError, hydrate, enable, disable };
});
