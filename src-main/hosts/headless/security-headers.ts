import type { ServerResponse } from 'node:http';

/**
 * The renderer needs nothing but its own scripts and styles and a WebSocket back to this host.
 * `connect-src` names the ws:// origin explicitly: older Chromium builds do not let 'self' cover ws:.
 * No referrer, so the token in the page URL never leaks into a Referer header.
 */
export function contentSecurityPolicy(origin: string): string {
  const wsOrigin = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${wsOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function setSecurityHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(origin));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}
