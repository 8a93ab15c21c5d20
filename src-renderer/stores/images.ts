import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ImageInfo } from '@shared/api.ts';
import { errorMessage } from '../api/bootcast-client.ts';
import { useApi } from '../api/use-api.ts';

/** A file on its way into the library: shown under the drop zone until it lands or fails. */
export interface PendingImage {
  key: number;
  name: string;
  state: 'uploading' | 'adding' | 'failed';
  percent?: number;
  error?: string;
}

export const useImagesStore = defineStore('images', () => {
  const api = useApi();
  const images = ref<ImageInfo[]>([]);
  const pending = ref<PendingImage[]>([]);
  let nextKey = 1;

  api.on('images.changed', (list) => {
    images.value = list;
  });

  async function hydrate(): Promise<void> {
    images.value = await api.call('images.list', undefined);
  }

  function track(name: string, state: PendingImage['state']): PendingImage {
    const entry: PendingImage = { key: nextKey++, name, state };
    pending.value.push(entry);
    // The reactive proxy, so later mutations re-render.
    return pending.value[pending.value.length - 1]!;
  }

  function settle(entry: PendingImage, error?: unknown): void {
    if (error === undefined) {
      pending.value = pending.value.filter((p) => p.key !== entry.key);
    } else {
      entry.state = 'failed';
      entry.error = errorMessage(error);
    }
  }

  function mergeAdded(added: ImageInfo[]): void {
    const byId = new Map(images.value.map((i) => [i.id, i]));
    for (const image of added) byId.set(image.id, image);
    images.value = [...byId.values()];
  }

  /** Adds images by path on the engine's machine (Electron drops, the headless path field). */
  async function addPaths(paths: string[]): Promise<void> {
    const clean = paths.map((p) => p.trim()).filter(Boolean);
    await Promise.all(
      clean.map(async (path) => {
        const entry = track(path.split(/[\\/]/).pop() || path, 'adding');
        try {
          mergeAdded(await api.call('images.add', { paths: [path] }));
          settle(entry);
        } catch (err) {
          settle(entry, err);
        }
      }),
    );
  }

  /**
   * Adds dropped or picked files: Electron knows their paths; the headless UI uploads them first
   * (one at a time: parallel multi-GB uploads only slow each other down).
   */
  async function addFiles(files: File[]): Promise<void> {
    if (api.pathForFile) {
      const paths = files.map((f) => api.pathForFile!(f)).filter(Boolean);
      await addPaths(paths);
      return;
    }
    if (!api.upload) return;
    for (const file of files) {
      const entry = track(file.name, 'uploading');
      entry.percent = 0;
      try {
        const path = await api.upload(file, ({ loaded, total }) => {
          entry.percent = total ? Math.floor((loaded / total) * 100) : 0;
        });
        entry.state = 'adding';
        mergeAdded(await api.call('images.add', { paths: [path] }));
        settle(entry);
      } catch (err) {
        settle(entry, err);
      }
    }
  }

  function dismiss(key: number): void {
    pending.value = pending.value.filter((p) => p.key !== key);
  }

  async function remove(id: string): Promise<void> {
    await api.call('images.remove', { id });
    images.value = images.value.filter((i) => i.id !== id);
  }

  async function selectPlan(id: string, planId: string): Promise<void> {
    mergeAdded([await api.call('images.selectPlan', { id, planId })]);
  }

  return { images, pending, hydrate, addPaths, addFiles, dismiss, remove, selectPlan };
});
