import { onBeforeUnmount, ref } from 'vue';

/** The current time, ticking every `intervalMs`, for "5 s ago" labels. Stops on unmount. */
export function useNow(intervalMs = 1000) {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
