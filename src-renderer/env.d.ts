import type { BootcastBridge } from '../src-main/preload/bridge.ts';

declare global {
  interface Window {
    /** Defined by the Electron preload; absent in the headless web UI. */
    bootcast?: BootcastBridge;
  }
}

export {};
