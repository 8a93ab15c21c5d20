import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 128 bits, URL-safe: printed in the start-up URL, so short enough to copy by hand if needed. */
export function newAccessToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The token a request carries: `Authorization: Bearer …` (fetch from the UI) or `?token=…`
 * (the WebSocket, because a browser cannot set headers on one).
 */
export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** Constant-time comparison so the token cannot be guessed byte by byte from response timings. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
