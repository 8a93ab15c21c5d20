import { toDisposable, type Disposable } from './disposable.ts';

/**
 * A small typed event emitter with no Node dependency, so the same type serves servers, the
 * engine and the renderer's API clients. `Events` maps event names to payload types.
 * A listener that throws is reported through `onListenerError` and never reaches the emitter:
 * a broken UI subscriber must not take down a socket handler.
 */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (err: unknown) => void = (err) => console.error(err)) {}

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Disposable {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return toDisposable(() => set!.delete(listener as (payload: never) => void));
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
