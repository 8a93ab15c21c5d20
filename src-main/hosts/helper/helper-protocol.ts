// The few words the desktop UI and its privileged engine helper exchange outside the API
// contract: the hand-shake line on the helper's stdin, the ready line on its stdout, where the
// socket lives, and the helper's own endpoints (keep serving). Pure: both sides import it.
import { join } from 'node:path';

/** Written by the UI as one JSON line on the helper's stdin. The token never appears in argv (ps shows argv). */
export interface HelperHandshake {
  token: string;
  /** The UI user's data directory: settings, leases and NAT crash-state are shared with `bootcast serve`. */
  dataDir: string;
  /** Who may connect: the socket and token file are chowned to this user. pkexec's PKEXEC_UID wins when set. */
  ownerUid: number;
  ownerGid: number;
  keepServing?: boolean;
}

/** The helper's answer, one JSON line on stdout. */
export type HelperReady = { ready: true; socket: string; pid: number } | { ready: false; error: string };

/** Calls and the event socket name the UI session they belong to: one UI at a time drives the engine. */
export const SESSION_HEADER = 'x-bootcast-session';

export const KEEP_SERVING_PATH = '/helper/keep-serving';
export const STATUS_PATH = '/helper/status';

export interface HelperStatus {
  pid: number;
  keepServing: boolean;
  attached: boolean;
}

/** Root-owned base of the per-user socket folders. */
export function defaultRunDir(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? '/var/run' : '/run';
}

/**
 * `<runDir>/bootcast-<uid>/`: root's, mode 0711, holding `engine.sock` and `token` (both the
 * user's, 0600) and `engine-data/` (root only: the engine's working copy of the user's state).
 */
export function helperPaths(runDir: string, uid: number): { dir: string; socket: string; token: string; data: string } {
  const dir = join(runDir, `bootcast-${uid}`);
  return { dir, socket: join(dir, 'engine.sock'), token: join(dir, 'token'), data: join(dir, 'engine-data') };
}

export function parseHandshake(line: string): HelperHandshake {
  const v = JSON.parse(line) as Partial<HelperHandshake>;
  const isId = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  if (typeof v.token !== 'string' || v.token.length < 16) throw new Error('hand-shake: token missing or too short');
  if (typeof v.dataDir !== 'string' || !v.dataDir.startsWith('/')) throw new Error('hand-shake: dataDir must be an absolute path');
  if (!isId(v.ownerUid) || !isId(v.ownerGid)) throw new Error('hand-shake: ownerUid/ownerGid must be user and group ids');
  return { token: v.token, dataDir: v.dataDir, ownerUid: v.ownerUid, ownerGid: v.ownerGid, keepServing: v.keepServing === true };
}
