import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DhcpMode, NetInterfaceInfo, ServerSettings, ServerState } from '@shared/api.ts';
import { errorMessage } from '../api/bootcast-client.ts';
import { useApi } from '../api/use-api.ts';

/** Servers, their settings and the interfaces they can use. */
export const useServerStore = defineStore('server', () => {
  const api = useApi();
  const state = ref<ServerState>({ phase: 'stopped', services: [], errors: [], warnings: [] });
  const settings = ref<ServerSettings | null>(null);
  const interfaces = ref<NetInterfaceInfo[]>([]);
  const busy = ref(false);
  const actionError = ref<string | null>(null);
  /** Said before Start: what this host will ask for (a password) or cannot do. */
  const privilegeNotice = ref<string | null>(null);

  async function refreshPrivileges(): Promise<void> {
    // A host that predates the method answers nothing: say nothing rather than fail hydration.
    privilegeNotice.value = (await api.call('server.privileges', undefined).catch(() => undefined))?.notice ?? null;
  }

  api.on('server.state', (next) => {
    state.value = next;
  });

  async function hydrate(): Promise<void> {
    const [s, cfg, ifs] = await Promise.all([api.call('server.state', undefined), api.call('server.settings', undefined), api.call('network.interfaces', undefined)]);
    state.value = s;
    settings.value = cfg;
    interfaces.value = ifs;
    await refreshPrivileges();
  }

  async function refreshInterfaces(): Promise<void> {
    interfaces.value = await api.call('network.interfaces', undefined);
  }

  /** Starting/probing/running/stopping: anything but a settled stop. */
  const active = computed(() => !['stopped', 'error'].includes(state.value.phase));
  const running = computed(() => state.value.phase === 'running');
  const transitioning = computed(() => ['probing', 'starting', 'stopping'].includes(state.value.phase));

  const selectedInterface = computed(() => interfaces.value.find((i) => i.name === settings.value?.interface));
  const suggestedInterface = computed(() => interfaces.value.find((i) => i.suggested));

  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    actionError.value = null;
    try {
      return await action();
    } catch (err) {
      actionError.value = errorMessage(err);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  async function start(): Promise<void> {
    await run(async () => {
      // The engine falls back to its suggestion, but the user should see which one is used.
      if (settings.value && !settings.value.interface && suggestedInterface.value) {
        settings.value = await api.call('server.updateSettings', { interface: suggestedInterface.value.name });
      }
      state.value = await api.call('server.start', undefined);
    });
    await refreshPrivileges();
  }

  async function stop(): Promise<void> {
    await run(async () => {
      state.value = await api.call('server.stop', undefined);
    });
  }

  async function update(patch: Partial<ServerSettings>): Promise<void> {
    await run(async () => {
      settings.value = await api.call('server.updateSettings', patch);
    });
    await refreshPrivileges();
  }

  const chooseInterface = (name: string) => update({ interface: name });
  const chooseDhcpMode = (mode: DhcpMode) => update({ dhcpMode: mode });

  return {
    state,
    settings,
    interfaces,
    busy,
    actionError,
    privilegeNotice,
    active,
    running,
    transitioning,
    selectedInterface,
    suggestedInterface,
    hydrate,
    refreshInterfaces,
    start,
    stop,
    chooseInterface,
    chooseDhcpMode,
    update,
  };
});
