// Electron main process: one window, one engine, the contract bridged over IPC. Kept thin —
// everything that can run without Electron lives in the engine and is tested there.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, session } from 'electron';
import { Engine } from '../../engine/engine.ts';
import { bridgeApiToWindow } from './ipc-bridge.ts';
import { denyAllPermissions, enforceContentSecurityPolicy, lockDownWebContents } from './window-security.ts';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const here = import.meta.dirname;
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

function isOwnPage(url: string): boolean {
  const withoutHash = url.split('#')[0]!.split('?')[0]!;
  if (devServerUrl) return withoutHash.startsWith(devServerUrl);
  return withoutHash === rendererUrl;
}

let mainWindow: BrowserWindow | undefined;

function createWindow(engine: Engine): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Bootcast',
    show: false,
    backgroundColor: '#101418',
    webPreferences: {
      // The preload is built as CommonJS (electron.vite.config.ts), which is what lets the sandbox stay on.
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  lockDownWebContents(window.webContents, isOwnPage);
  const unbridge = bridgeApiToWindow(engine, window, isOwnPage);
  window.on('closed', () => {
    unbridge();
    if (mainWindow === window) mainWindow = undefined;
  });
  window.once('ready-to-show', () => window.show());
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndex);
  return window;
}

async function start(): Promise<void> {
  // One instance: two engines would fight over ports 67/69/80 and the same data directory.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, isOwnPage));

  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  enforceContentSecurityPolicy(session.defaultSession, devServerUrl);

  // Packaged, the iPXE loaders live beside app.asar (electron-builder extraResources): clients
  // download them by TFTP, so they must be plain files, not asar entries.
  const engine = await Engine.create({
    dataDir: app.getPath('userData'),
    ...(app.isPackaged ? { resourcesDir: join(process.resourcesPath, 'resources') } : {}),
  });
  mainWindow = createWindow(engine);

  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow(engine);
  });
  app.on('window-all-closed', () => app.quit());
  // An exception nothing caught must not end the process with NAT rules applied: log it and quit
  // through will-quit, which stops the engine and undoes NAT first.
  const onFatal = (err: unknown) => {
    console.error('bootcast: internal error, stopping cleanly:', err);
    app.quit();
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // Servers hold privileged ports and maybe NAT rules: stop them before the process goes.
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    void Promise.resolve(engine.dispose())
      .catch((err: unknown) => console.error('bootcast: engine did not stop cleanly:', err))
      .finally(() => app.quit());
  });
}

start().catch((err: unknown) => {
  console.error('bootcast: cannot start:', err);
  app.exit(1);
});
