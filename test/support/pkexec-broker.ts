import { spawn, type ChildProcess } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * The root half of the pkexec stand-in (pkexec-stand-in.mjs): runs each requested command as
 * root through `runuser -u root`, inside a network namespace when given one, with pkexec's
 * environment (PKEXEC_UID, a bare PATH) and the requester's stdin/stdout relayed. Its stderr
 * is collected for the test.
 */
export class PkexecBroker {
  readonly children: ChildProcess[] = [];
  stderr = '';
  private constructor(readonly socketPath: string, private readonly server: Server) {}

  static async start(dir: string, netns?: string): Promise<PkexecBroker> {
    const socketPath = join(dir, 'pkexec-broker.sock');
    let broker: PkexecBroker | undefined;
    // Half-open: a requester whose stdin ends (or was never there) still waits for the command, as pkexec does.
    const server = createServer({ allowHalfOpen: true }, (conn) => {
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        const nl = head.indexOf('\n');
        if (nl < 0) return;
        conn.off('data', onData);
        conn.pause();
        const req = JSON.parse(head.slice(0, nl)) as { argv: string[]; uid: number };
        const rest = Buffer.from(head.slice(nl + 1), 'latin1');
        const inNs = netns ? ['ip', 'netns', 'exec', netns] : [];
        const child = spawn('runuser', ['-u', 'root', '--', ...inNs, ...req.argv], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PKEXEC_UID: String(req.uid) },
        });
        broker!.children.push(child);
        child.stderr!.on('data', (e: Buffer) => (broker!.stderr += e.toString('utf8')));
        child.stdin!.on('error', () => {});
        if (rest.length) child.stdin!.write(rest);
        conn.pipe(child.stdin!);
        child.stdout!.pipe(conn);
        conn.on('error', () => child.stdin!.end());
        child.on('exit', () => conn.end());
        conn.resume();
      };
      conn.on('data', onData);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    await chmod(socketPath, 0o666);
    broker = new PkexecBroker(socketPath, server);
    return broker;
  }

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
