import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ClientSummary } from '@shared/api.ts';
import { useApi } from '../api/use-api.ts';

/**
 * Every machine seen, keyed by MAC. Rows keep the order machines first appeared in, so a row
 * never jumps away from under the technician's finger.
 */
export const useClientsStore = defineStore('clients', () => {
  const api = useApi();
  const byMac = ref<Record<string, ClientSummary>>({});
  const selectedMac = ref<string | null>(null);

  /** A snapshot may be older than an update that arrived while it was in flight: keep the newer. */
  function upsert(client: ClientSummary): void {
    const known = byMac.value[client.mac];
    if (known && Date.parse(known.lastSeen) > Date.parse(client.lastSeen)) return;
    byMac.value[client.mac] = client;
  }

  api.on('clients.updated', (client) => upsert(client));
  api.on('clients.removed', ({ mac }) => {
    delete byMac.value[mac];
    if (selectedMac.value === mac) selectedMac.value = null;
  });
  api.on('clients.cleared', () => {
    byMac.value = {};
    selectedMac.value = null;
  });

  async function hydrate(): Promise<void> {
    const list = await api.call('clients.list', undefined);
    const fresh: Record<string, ClientSummary> = {};
    for (const c of list) fresh[c.mac] = c;
    // Updates that raced the snapshot are newer than it.
    for (const c of Object.values(byMac.value)) {
      const snap = fresh[c.mac];
      if (snap && Date.parse(c.lastSeen) > Date.parse(snap.lastSeen)) fresh[c.mac] = c;
    }
    byMac.value = fresh;
  }

  const list = computed(() => Object.values(byMac.value).sort((a, b) => Date.parse(a.firstSeen) - Date.parse(b.firstSeen) || a.mac.localeCompare(b.mac)));
  const stalledCount = computed(() => list.value.filter((c) => c.stage === 'stalled').length);
  const selected = computed(() => (selectedMac.value ? byMac.value[selectedMac.value] : undefined));

  function select(mac: string | null): void {
    selectedMac.value = mac;
  }

  async function clear(): Promise<void> {
    await api.call('clients.clear', undefined);
    byMac.value = {};
    selectedMac.value = null;
  }

  /** The technician's flip: this machine gets the signed chain (Secure Boot) or iPXE from its next attempt. */
  async function setSecureBoot(mac: string, secureBoot: boolean): Promise<void> {
    const updated = await api.call('clients.setSecureBoot', { mac, secureBoot });
    if (updated) byMac.value[mac] = updated;
  }

  return { byMac, list, stalledCount, selectedMac, selected, hydrate, select, clear, setSecureBoot };
});
