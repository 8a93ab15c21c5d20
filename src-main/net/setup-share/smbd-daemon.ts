import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, runCommand, type CommandRunner } from '../nat/command-runner.ts';

/**
 * A private Samba smbd as a daemon: started with `--daemon` (in the foreground its helpers keep
 * the parent's pipes open), found by its pid file, known ready when its process listens on the
 * address and port (its own socket, found in /proc/<pid>/net/tcp, the socket table of smbd's
 * own network namespace), and stopped as a whole session: `--daemon` makes smbd a session leader, and
 * its helpers (notifyd, cleanupd) share the session. Linux only, like the share.
 */
export interface SmbdStart {
  smbd: string;
  configFile: string;
  /** smb.conf's `pid directory`. */
  pidDir: string;
  /** smbd's log, quoted when it fails to start. */
  logFile: string;
  address: string;
  port: number;
  run?: CommandRunner;
  /** Wraps the command line (tests run smbd inside a network namespace). */
  wrap?: (cmd: string, args: string[]) => [string, string[]];
  timeoutMs?: number;
}

export async function startSmbd(o: SmbdStart): Promise<number> {
  // A pid file left by an earlier run would name a dead (or another) process.
  for (const f of pidFiles(o.pidDir)) rmSync(f, { force: true });
  const base: [string, string[]] = [o.smbd, ['--daemon', `--configfile=${o.configFile}`]];
  const [cmd, args] = o.wrap ? o.wrap(...base) : base;
  const r = await (o.run ?? runCommand)(cmd, args);
  if (r.code !== 0) throw new Error(`smbd did not start: ${describeFailure(cmd, args, r)}`);
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  let pid = 0;
  for (;;) {
    pid ||= readPid(o.pidDir);
    if (pid && !isAlive(pid)) throw new Error(`smbd stopped right after starting: ${logReason(o.logFile, o.port)}`);
    if (pid && listens(pid, o.address, o.port)) return pid;
    if (Date.now() > deadline) {
      if (pid) await stopSmbd(pid);
      throw new Error(`smbd did not listen on ${o.address}:${o.port} within ${Math.round((o.timeoutMs ?? 20_000) / 1000)} s: ${logReason(o.logFile, o.port)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Stops smbd and every helper of its session: TERM, then KILL what is left after 5 s. */
export async function stopSmbd(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  for (let i = 0; i < 50 && sessionMembers(pid).length; i++) await new Promise((r) => setTimeout(r, 100));
  for (const p of sessionMembers(pid)) signal(p, 'SIGKILL');
  for (let i = 0; i < 20 && sessionMembers(pid).length; i++) await new Promise((r) => setTimeout(r, 100));
  const left = sessionMembers(pid);
  if (left.length) throw new Error(`smbd processes ${left.join(', ')} did not stop`);
}

/**
 * Stops every smbd started with this configuration, whether or not its pid was ever learnt (a
 * start that timed out before the pid file, a crash before the record): by session when it leads
 * one, else alone. Returns the pids it stopped.
 */
export async function stopSmbdWith(configFile: string): Promise<number[]> {
  const found = smbdPidsWith(configFile);
  for (const pid of found) {
    if (procStat(pid)?.session === pid) await stopSmbd(pid);
    else signal(pid, 'SIGKILL');
  }
  return found;
}

function smbdPidsWith(configFile: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || !isAlive(Number(name))) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(`--configfile=${configFile}`)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Live (not zombie) processes of session `sid`. */
export function sessionMembers(sid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.session === sid && st.state !== 'Z') out.push(Number(name));
  }
  return out;
}

function procStat(pid: number): { state: string; session: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields follow the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, session: Number(f[3]) };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function pidFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => /^smbd.*\.pid$/.test(f)).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function readPid(dir: string): number {
  for (const f of pidFiles(dir)) {
    const n = Number(readFileSync(f, 'utf8').trim());
    if (Number.isInteger(n) && n > 1) return n;
  }
  return 0;
}

/** `pid` itself holds a listening TCP socket on address:port (another program on that port does not count). */
function listens(pid: number, address: string, port: number): boolean {
  const hexAddr = address.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();
  const want = `${hexAddr}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    const inodes = readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').flatMap((l) => {
      const f = l.trim().split(/\s+/);
      return f[1] === want && f[3] === '0A' ? [f[9]] : [];
    });
    if (inodes.length === 0) return false;
    const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    return inodes.some((inode) => fds.includes(`socket:[${inode}]`));
  } catch {
    return false;
  }
}

/** The line of smbd's log that explains a failed start, in the technician's terms when known. */
function logReason(logFile: string, port: number): string {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8').slice(-16_384);
  } catch {
    return `no log at ${logFile}`;
  }
  if (/Address already in use/.test(text)) {
    return `port ${port} is already in use on this address (is the system's Samba running? \`sudo systemctl stop smbd\`, or turn the share off and share the ISO yourself)`;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('[') && !l.startsWith('#'));
  return lines.slice(-3).join(' / ') || `see ${logFile}`;
}
