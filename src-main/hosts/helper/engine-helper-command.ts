// `bootcast engine-helper`: the entry point pkexec (or the macOS administrator prompt) runs as
// root. Not for people: the desktop app starts it and speaks to it (helper-protocol.ts).
import { Engine } from '../../engine/engine.ts';
import { setBindAdviceContext } from '../../net/bind-error.ts';
import type { ApiClient } from '../../shared/api.ts';
import { resourcesDir as packagedResources } from '../cli/package-root.ts';
import { UsageError } from '../cli/usage-error.ts';
import { startEngineHelper } from './engine-helper.ts';
import { defaultRunDir, parseHandshake, type HelperReady } from './helper-protocol.ts';
import { readableBy } from './user-files.ts';

const USAGE = 'Usage: bootcast engine-helper [--run-dir DIR] [--resources-dir DIR] [--grace-ms N]   (started by the desktop app, as root, with a hand-shake on stdin)';

function readFirstLine(stream: NodeJS.ReadableStream, limit = 4096): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        done();
        resolve(buf.slice(0, nl));
      } else if (buf.length > limit) {
        done();
        reject(new Error('hand-shake line too long'));
      }
    };
    const onEnd = () => {
      done();
      reject(new Error('stdin closed before the hand-shake'));
    };
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}

function guardImagePaths(engine: Engine, uid: number, gid: number): ApiClient & { dispose(): Promise<void> } {
  return {
    async call(method, arg) {
      if (method === 'images.add') {
        const refused = (arg as { paths: string[] }).paths.filter((p) => !readableBy(p, { uid, gid }));
        if (refused.length) throw Object.assign(new Error(`you cannot read ${refused.join(', ')}: Bootcast serves only images your own account can open`), { code: 'forbidden' });
      }
      return engine.call(method, arg);
    },
    on: (event, listener) => engine.on(event, listener),
    dispose: () => engine.dispose(),
  };
}

export async function engineHelperCommand(argv: string[]): Promise<number> {
  let runDir = defaultRunDir();
  let resourcesDir: string | undefined;
  let graceMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`, USAGE);
      return v;
    };
    // The deb's wrapper names the resources first; pkexec's caller may add flags but not replace it.
    if (a === '--run-dir') runDir = value();
    else if (a === '--resources-dir' && resourcesDir === undefined) resourcesDir = value();
    else if (a === '--resources-dir') throw new UsageError('--resources-dir given twice', USAGE);
    else if (a === '--grace-ms') {
      graceMs = Number(value());
      if (!Number.isInteger(graceMs) || graceMs < 0) throw new UsageError('--grace-ms takes a whole number of milliseconds', USAGE);
    }
    else throw new UsageError(`unknown option '${a}'`, USAGE);
  }
  const say = (line: HelperReady) => process.stdout.write(JSON.stringify(line) + '\n');
  if (process.getuid?.() !== 0) {
    say({ ready: false, error: 'the engine helper must run as root (it is started through pkexec or an administrator prompt)' });
    return 2;
  }
  let handshake;
  try {
    handshake = parseHandshake(await readFirstLine(process.stdin));
    // pkexec says who asked; an argument cannot override that.
    const asker = process.env.PKEXEC_UID ?? process.env.SUDO_UID;
    if (asker !== undefined && Number(asker) !== handshake.ownerUid) throw new Error(`hand-shake names uid ${handshake.ownerUid} but the request came from uid ${asker}`);
  } catch (err) {
    say({ ready: false, error: (err as Error).message });
    return 2;
  }
  // Its errors are shown in the desktop window, so they speak of the window's settings.
  setBindAdviceContext({ host: 'desktop' });
  const log = (line: string) => process.stderr.write(`bootcast engine-helper: ${line}\n`);
  let engine: Engine | undefined;
  const createApi = async (dataDir: string) => {
    engine = await Engine.create({ dataDir, resourcesDir: resourcesDir ?? packagedResources(), onLog: (e) => log(`${e.source}: ${e.message}`) });
    return guardImagePaths(engine, handshake.ownerUid, handshake.ownerGid);
  };
  let code = 0;
  const stopped = new Promise<void>((resolve) => {
    void startEngineHelper({ createApi, handshake, runDir, log, onStopped: resolve, ...(graceMs !== undefined ? { graceMs } : {}) })
      .then((helper) => {
        say({ ready: true, socket: helper.socketPath, pid: process.pid });
        process.stdin.on('end', () => helper.uiProcessGone());
        process.stdin.on('error', () => helper.uiProcessGone());
        process.stdin.resume();
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => void helper.stop());
      })
      .catch(async (err: Error) => {
        say({ ready: false, error: err.message });
        code = 2;
        await engine?.dispose();
        resolve();
      });
  });
  await stopped;
  return code;
}
