// Starts the privileged engine helper through the OS's elevation tool (pkexec, an administrator
// prompt, or a test's stand-in), hands it the token on stdin, and attaches to it. Also finds a
// helper left serving ("keep serving") by an earlier window.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { newAccessToken } from '../headless/access-token.ts';
import { helperPaths, type HelperHandshake, type HelperReady } from './helper-protocol.ts';
import { RemoteEngine } from './remote-engine.ts';

export interface LaunchOptions {
  /**
   * What runs the command as root. An argv prefix that passes stdin/stdout through (pkexec), or a
   * function of one shell command line for tools that do not (macOS `osascript … with
   * administrator privileges`): the helper's stdio then goes through two FIFOs in a private folder.
   */
  elevate: string[] | ((shellCommand: string) => string[]);
  /** The helper itself: e.g. [node, cli main, 'engine-helper', '--run-dir', …]. */
  command: string[];
  handshake: Omit<HelperHandshake, 'token'>;
  env?: NodeJS.ProcessEnv;
  /** Told every line the helper writes on stderr (its log). */
  onLog?: (line: string) => void;
}

export interface LaunchedEngine {
  engine: RemoteEngine;
  child: ChildProcess;
  /** Held open for the helper's lifetime: its end-of-file tells the helper this window is gone. */
  stdin: Writable;
}

/** pkexec's own exit statuses, in the words a technician needs. */
function whyItEnded(code: number | null, signal: string | null, stderr: string): string {
  // osascript: "User canceled. (-128)"
  if (/\(-128\)/.test(stderr)) return 'the password prompt was closed: Bootcast needs administrator rights to open network ports 67, 69, 80 and 4011';
  if (code === 126) return 'the password prompt was closed: Bootcast needs administrator rights to open network ports 67, 69, 80 and 4011';
  if (code === 127) return 'this account is not allowed to start the Bootcast engine as administrator (ask an administrator, or run `sudo bootcast serve …`)';
  const tail = stderr.trim().split('\n').slice(-3).join(' ');
  return `the privileged engine ended before it was ready (${signal ?? `exit ${code}`})${tail ? `: ${tail}` : ''}`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `do shell script` runs /bin/sh as root; its stdio is not ours, so the FIFOs carry it. */
export function osascriptElevation(shellCommand: string): string[] {
  const script = `do shell script "${shellCommand.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}" with prompt "Bootcast needs administrator rights to open network ports." with administrator privileges`;
  return ['osascript', '-e', script];
}

interface HelperStdio {
  stdin: Writable;
  stdout: Readable;
  child: ChildProcess;
  cleanup(): void;
}

function spawnWithPipes(o: LaunchOptions, argvPrefix: string[]): HelperStdio {
  const [cmd, ...args] = [...argvPrefix, ...o.command];
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
  return { stdin: child.stdin!, stdout: child.stdout!, child, cleanup() {} };
}

/**
 * Both FIFOs are opened read-write here: neither open blocks, the helper's `<` and `>` find a
 * peer at once, and the helper's stdin reaches end-of-file exactly when this process is gone.
 */
function spawnWithFifos(o: LaunchOptions, elevate: (cmd: string) => string[]): HelperStdio {
  const dir = mkdtempSync(join(tmpdir(), 'bootcast-helper-'));
  const fifoIn = join(dir, 'in');
  const fifoOut = join(dir, 'out');
  execFileSync('mkfifo', ['-m', '600', fifoIn, fifoOut]);
  const inFd = openSync(fifoIn, constants.O_RDWR);
  const outFd = openSync(fifoOut, constants.O_RDWR);
  const stdin = new Socket({ fd: inFd, readable: false, writable: true });
  const stdout = new Socket({ fd: outFd, readable: true, writable: false });
  const line = `exec ${o.command.map(shellQuote).join(' ')} < ${shellQuote(fifoIn)} > ${shellQuote(fifoOut)}`;
  const [cmd, ...args] = elevate(line);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'], env: o.env ?? process.env });
  return {
    stdin,
    stdout,
    child,
    cleanup() {
      stdout.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchPrivilegedEngine(o: LaunchOptions): Promise<LaunchedEngine> {
  const token = newAccessToken();
  const io = Array.isArray(o.elevate) ? spawnWithPipes(o, o.elevate) : spawnWithFifos(o, o.elevate);
  const { child } = io;
  const cmd = Array.isArray(o.elevate) ? o.elevate[0] ?? o.command[0] : 'the administrator prompt';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    if (stderr.length < 16_384) stderr += text;
    for (const line of text.split('\n')) if (line) o.onLog?.(line);
  });
  io.stdin.on('error', () => {}); // the helper died early: reported through 'exit' below
  io.stdin.write(JSON.stringify({ ...o.handshake, token } satisfies HelperHandshake) + '\n');

  return new Promise<LaunchedEngine>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) {
        if (out.length > 4096) fail(new Error('the privileged engine said something unexpected on start-up'));
        return;
      }
      io.stdout.off('data', onData);
      io.cleanup();
      let ready: HelperReady;
      try {
        ready = JSON.parse(out.slice(0, nl)) as HelperReady;
      } catch {
        fail(new Error(`the privileged engine said something unexpected on start-up: ${out.slice(0, 200)}`));
        return;
      }
      if (!ready.ready) return fail(new Error(`the privileged engine could not start: ${ready.error}`));
      child.off('exit', onExit);
      RemoteEngine.attach(ready.socket, token).then((engine) => resolve({ engine, child, stdin: io.stdin }), fail);
    };
    const onExit = (code: number | null, signal: string | null) => {
      io.cleanup();
      reject(new Error(whyItEnded(code, signal, stderr)));
    };
    const fail = (err: Error) => {
      child.off('exit', onExit);
      child.kill('SIGTERM');
      io.cleanup();
      reject(err);
    };
    io.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
  });
}

/** A helper an earlier window left serving: its token is readable only by the user it serves. */
export async function attachRunningEngine(runDir: string, uid: number): Promise<RemoteEngine | undefined> {
  const paths = helperPaths(runDir, uid);
  const token = await readFile(paths.token, 'utf8').catch(() => undefined);
  if (!token) return undefined;
  return RemoteEngine.attach(paths.socket, token.trim()).catch((err: Error & { code?: string }) => {
    if (err.code === 'busy') throw err;
    return undefined; // stale files from a helper that died
  });
}
