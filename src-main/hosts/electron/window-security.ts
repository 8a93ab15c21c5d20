import { shell, type Session, type WebContents } from 'electron';

/**
 * The renderer is a local page that never needs to navigate, open windows, or use device
 * permissions. Everything of the kind is refused; http(s) links open in the user's browser.
 */
export function lockDownWebContents(contents: WebContents, isOwnPage: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * The same policy as index.html's meta tag, also sent as a header so it holds for the dev
 * server's http:// pages. The dev server (electron-vite dev) needs its ws: for hot reload.
 */
export function enforceContentSecurityPolicy(session: Session, devServerUrl: string | undefined): void {
  const connect = devServerUrl ? `'self' ${devServerUrl.replace(/^http/, 'ws')}` : "'self'";
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    // Vite's dev server injects styles as <style> elements; the production build does not.
    devServerUrl ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}
