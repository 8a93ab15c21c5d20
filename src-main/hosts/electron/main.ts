// Electron main process: one window, one engine, the contract bridged over IPC. Kept thin —
// everything that can run without Electron lives in the engine, the helper and the pure modules
// beside this file, and is tested there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { defaultDataDir } from '../../engine/data-dir.ts';
import { Engine } from '../../engine/engine.ts';
import { setBindAdviceContext } from '../../net/bind-error.ts';
import { currentPrivilegeFacts, desktopStartNotice } from '../../net/port-privileges.ts';
import { OPEN_LOGS_CHANNEL } from '../../preload/bridge.ts';
import { EngineSwitch } from '../helper/engine-switch.ts';
import { attachRunningEngine, launchPrivilegedEngine } from '../helper/helper-launcher.ts';
import { defaultRunDir } from '../helper/helper-protocol.ts';
import { DesktopShell } from './desktop-shell.ts';
import { helperCommand } from './helper-command.ts';
import { bridgeApiToWindow, isTrustedSender } from './ipc-bridge.ts';
import { desktopLogDir } from './log-dir.ts';
import { RotatingLog } from './rotating-log.ts';
import { isoArguments } from './serving-status.ts';
import { denyAllPermissions, enforceContentSecurityPolicy, lockDownWebContents } from './window-security.ts';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const here = import.meta.dirname;
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

// One data folder with `bootcast serve` (Electron would otherwise derive it from the package
// name), and logs where each OS keeps them.
app.setName('Bootcast');
setBindAdviceContext({ host: 'desktop' });
app.setPath('userData', defaultDataDir());
const logDir = desktopLogDir();
app.setAppLogsPath(logDir);
const diskLog = new RotatingLog({ dir: logDir });
const logLine = (level: string, source: string, message: string) => diskLog.write(`${new Date().toISOString()} ${level} ${source}: ${message}`);
// An exception nothing caught must not end the process with NAT rules applied: log it and quit
// through will-quit, which stops the engine and undoes NAT first.
const onFatal = (err: unknown) => {
  logLine('error', 'main', `internal error, stopping cleanly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  quitting = true;
  app.quit();
};
process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);

function isOwnPage(url: string): boolean {
  const withoutHash = url.split('#')[0]!.split('?')[0]!;
  if (devServerUrl) return withoutHash.startsWith(devServerUrl);
  return withoutHash === rendererUrl;
}

let mainWindow: BrowserWindow | undefined;
let quitting = false;
// .iso files opened before the engine exists (macOS open-file arrives before 'ready').
const pendingIsos: string[] = [];
let addIsos = (paths: string[]) => void pendingIsos.push(...paths);
app.on('open-file', (event, path) => {
  event.preventDefault();
  addIsos([path]);
});

function createWindow(engine: EngineSwitch, desktop: DesktopShell): BrowserWindow {
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
  ipcMain.handle(OPEN_LOGS_CHANNEL, async (event) => {
    if (isTrustedSender(event, window, isOwnPage)) await shell.openPath(logDir);
  });
  // GNOME shows no tray icon by default (Electron cannot tell), so on Linux a window kept
  // serving is minimized rather than hidden: it must stay reachable.
  const putAway = () => (process.platform === 'linux' ? window.minimize() : window.hide());
  window.on('close', (event) => {
    if (quitting) return;
    const choice = desktop.askBeforeClose(window);
    if (choice === 'cancel') event.preventDefault();
    else if (choice === 'keep-serving') {
      event.preventDefault();
      void desktop.setKeepServing(true);
      putAway();
    } else if (choice === 'stop-and-quit') {
      quitting = true;
    } else if (desktop.keepServing && desktop.status.running && desktop.hasTray) {
      event.preventDefault();
      putAway();
    }
  });
  window.on('closed', () => {
    unbridge();
    ipcMain.removeHandler(OPEN_LOGS_CHANNEL);
    if (mainWindow === window) mainWindow = undefined;
  });
  window.once('ready-to-show', () => window.show());
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndex);
  return window;
}

async function createEngine(): Promise<EngineSwitch> {
  const dataDir = app.getPath('userData');
  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : undefined;
  const createLocal = () =>
    Engine.create({
      dataDir,
      appVersion: app.getVersion(),
      // Packaged, the iPXE loaders live beside app.asar (electron-builder extraResources): clients
      // download them by TFTP, so they must be plain files, not asar entries.
      ...(resourcesDir ? { resourcesDir } : {}),
    });
  const local = await createLocal();
  const how = helperCommand({ platform: process.platform, isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath(), execPath: process.execPath, exists: existsSync });
  const uid = process.getuid?.() ?? 0;
  const engine = new EngineSwitch({
    local,
    // Without a helper the window engine stays in-process: starting then fails with the bind advice.
    startNotice: (s) => ('unavailable' in how ? null : desktopStartNotice(s, currentPrivilegeFacts())),
    natNeedsHelper: 'elevate' in how && uid !== 0,
    versions: { bootcast: app.getVersion(), electron: process.versions.electron, chromium: process.versions.chrome },
    launch: async () => {
      if ('unavailable' in how) throw new Error(how.unavailable);
      const launched = await launchPrivilegedEngine({
        ...how,
        handshake: { dataDir, ownerUid: uid, ownerGid: process.getgid?.() ?? 0 },
        onLog: (line) => diskLog.write(line),
      });
      return launched.engine;
    },
    recreateLocal: createLocal,
    onHelperLost: (why) => {
      logLine('error', 'engine', why);
      if (!quitting) dialog.showErrorBox('Bootcast stopped serving', `${why}. Press Start to serve again; the log is in ${logDir}.`);
    },
  });
  engine.on('log.entry', (e) => logLine(e.level, e.source, e.message));
  // A helper left serving by an earlier window ("keep serving") is taken over, not fought over ports.
  if ('elevate' in how && uid !== 0) {
    const running = await attachRunningEngine(defaultRunDir(), uid).catch((err: Error) => {
      logLine('warn', 'engine', `a running engine did not accept this window: ${err.message}`);
      return undefined;
    });
    if (running) await engine.adopt(running);
  }
  return engine;
}

async function start(): Promise<void> {
  // One instance: two engines would fight over ports 67/69/80 and the same data directory.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', (_event, argv) => {
    addIsos(isoArguments(argv.slice(1)));
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, isOwnPage));

  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  enforceContentSecurityPolicy(session.defaultSession, devServerUrl);

  const engine = await createEngine();
  const showWindow = () => {
    if (!mainWindow) mainWindow = createWindow(engine, desktop);
    mainWindow.show();
    mainWindow.focus();
  };
  const desktop = new DesktopShell({
    api: engine,
    setKeepServing: (on) => engine.setKeepServing(on),
    iconPath: app.isPackaged ? join(process.resourcesPath, 'tray.png') : join(app.getAppPath(), 'build', 'tray.png'),
    showWindow,
    openLogsFolder: () => void shell.openPath(logDir),
    quit: () => {
      quitting = true;
      app.quit();
    },
    log: (line) => logLine('warn', 'desktop', line),
  });
  addIsos = (paths) => {
    if (paths.length) void engine.call('images.add', { paths }).catch((err: Error) => logLine('warn', 'images', err.message));
  };
  addIsos([...pendingIsos.splice(0), ...isoArguments(process.argv.slice(app.isPackaged ? 1 : 2))]);
  mainWindow = createWindow(engine, desktop);

  app.on('activate', showWindow);
  app.on('window-all-closed', () => {
    if (!(desktop.keepServing && desktop.status.running && desktop.hasTray)) app.quit();
  });
  // Servers hold privileged ports and maybe NAT rules: stop them before the process goes
  // (a helper with "keep serving" on carries on by itself).
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    desktop.dispose();
    void Promise.resolve(engine.dispose())
      .catch((err: unknown) => logLine('error', 'engine', `did not stop cleanly: ${(err as Error).message}`))
      .finally(() => app.quit());
  });
}

start().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  logLine('error', 'main', `cannot start: ${err instanceof Error ? (err.stack ?? message) : message}`);
  // A double-clicked app that exits silently looks like it never started: say why, and where the log is.
  dialog.showErrorBox('Bootcast could not start', `${message}\n\nThe log is in ${logDir}.`);
  app.exit(1);
});
