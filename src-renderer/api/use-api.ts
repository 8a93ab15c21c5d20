import { inject, type InjectionKey } from 'vue';
import type { BootcastClient } from './bootcast-client.ts';

export const apiKey: InjectionKey<BootcastClient> = Symbol('bootcast-api');

/** The app's API client (provided once in main.ts; tests provide a fake). Works inside setup stores too. */
export function useApi(): BootcastClient {
  const api = inject(apiKey);
  if (!api) throw new Error('no API client provided: call app.provide(apiKey, client) before using stores');
  return api;
}
