// Test code only: mounts a component with a fresh Pinia and a fake API, as main.ts does for real.
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { Component } from 'vue';
import { apiKey } from '../../../src-renderer/api/use-api.ts';
import type { FakeApi } from './fake-api.ts';

export function mountWithApi<C extends Component>(component: C, api: FakeApi, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>) {
  const pinia = createPinia();
  setActivePinia(pinia);
  return mount(component, {
    ...options,
    attachTo: document.body,
    global: { ...options.global, plugins: [pinia], provide: { [apiKey as symbol]: api } },
  } as ComponentMountingOptions<C>);
}

/** Lets pending promises (API calls, store updates) and Vue's re-render settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
