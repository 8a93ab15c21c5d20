// Starts the privileged engine helper through the OS's elevation tool (pkexec, an administrator
// prompt, or a test's stand-in), hands it the token on stdin, and attaches to it. Also finds a
// helper left serving ("keep serving") by an earlier window.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { newAccessToken } from '../headless/access-token.ts';
import { helperPaths, type HelperHandshake, type HelperReady } from './helper-protocol.ts';
import { RemoteEngine } from './remote-engine.ts';

export interface LaunchOptions {
  /** What runs the command as root: ['pkexec'] on Linux; a stand-in in tests. */
  elevate: string[];
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
}

/** pkexec's own exit statuses, in the words a technician needs. */
function whyItEnded(code: number | null, signal: string | null, stderr: string): string {
  if (code === 126) return 'the password prompt was closed: Bootcast needs administrator rights to open network ports 67, 69, 80 and 4011';
  if (code === 127) return 'this account is not allowed to start the Bootcast engine as administrator (ask an administrator, or run `sudo bootcast serve …`)';
  const tail = stderr.trim().split('\n').slice(-3).join(' ');
  return `the privileged engine ended before it was ready (${signal ?? `exit ${code}`})${tail ? `: ${tail}` : ''}`;
}

export function launchPrivilegedEngine(o: LaunchOptions): Promise<LaunchedEngine> {
  const token = newAccessToken();
  const [cmd, ...args] = [...o.elevate, ...o.command];
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    if (stderr.length < 16_384) stderr += text;
    for (const line of text.split('\n')) if (line) o.onLog?.(line);
  });
  child.stdin!.on('error', () => {}); // the helper died early: reported through 'exit' below
  child.stdin!.write(JSON.stringify({ ...o.handshake, token } satisfies HelperHandshake) + '\n');

  return new Promise<LaunchedEngine>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) {
        if (out.length > 4096) fail(new Error('the privileged engine said something unexpected on start-up'));
        return;
      }
      child.stdout!.off('data', onData);
      let ready: HelperReady;
      try {
        ready = JSON.parse(out.slice(0, nl)) as HelperReady;
      } catch {
        fail(new Error(`the privileged engine said something unexpected on start-up: ${out.slice(0, 200)}`));
        return;
      }
      if (!ready.ready) return fail(new Error(`the privileged engine could not start: ${ready.error}`));
      child.off('exit', onExit);
      RemoteEngine.attach(ready.socket, token).then((engine) => resolve({ engine, child }), fail);
    };
    const onExit = (code: number | null, signal: string | null) => reject(new Error(whyItEnded(code, signal, stderr)));
    const fail = (err: Error) => {
      child.off('exit', onExit);
      child.kill('SIGTERM');
      reject(err);
    };
    child.stdout!.on('data', onData);
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
