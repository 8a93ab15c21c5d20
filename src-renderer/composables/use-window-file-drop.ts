import { onBeforeUnmount, onMounted, ref } from 'vue';

function carriesFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
}

/**
 * Files dragged anywhere over the window: `dragging` drives the full-window overlay, `onFiles`
 * gets the dropped files. Also stops the browser (or Electron) from navigating to a dropped file.
 */
export function useWindowFileDrop(onFiles: (files: File[]) => void) {
  const dragging = ref(false);
  // dragenter/dragleave fire for every child element crossed; count them to know when we left.
  let depth = 0;

  const enter = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth++;
    dragging.value = true;
  };
  const over = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };
  const leave = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  };
  const drop = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dragging.value = false;
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  };

  onMounted(() => {
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragover', over);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('drop', drop);
  });

  return { dragging };
}
