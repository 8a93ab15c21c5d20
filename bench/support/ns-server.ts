import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import type { NetLab } from '../../test/support/netns.ts';

/**
 * A server process inside a test namespace whose output goes to a log file (never a pipe: a
 * server blocked writing its log to an undrained pipe stops answering, and dnsmasq logs every
 * DHCP packet). Ready = its ports listen (and, optionally, a line in its log); stopped = the
 * process has exited AND its ports are free again, so the next server can bind 67/69/80.
 */
export interface Port {
  proto: 'udp' | 'tcp';
  port: number;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux architecture Bootcast runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export class NsServer {
  private child?: ChildProcess;
  private exit?: Promise<void>;

  constructor(
    private readonly lab: NetLab,
    private readonly ns: string,
    readonly name: string,
    private readonly cmd: string,
    private readonly args: string[],
    readonly logPath: string,
    private readonly cwd?: string,
  ) {}

  start(): void {
    const fd = openSync(this.logPath, 'a');
    try {
      this.child = this.lab.spawn(this.ns, this.cmd, this.args, { stdio: ['ignore', fd, fd], cwd: this.cwd });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const child = this.child;
    this.exit = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * CPU seconds the server has used so far (user + system, plus children it has reaped, e.g.
   * busybox httpd's per-connection processes). `ip netns exec` execs the command in place, so
   * the spawned PID is the server's. Linux only (/proc); 0 once it has exited.
   */
  cpuSeconds(): number {
    const pid = this.child?.pid;
    if (!pid || !this.running) return 0;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name (which may hold spaces): utime is field 14.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i] ?? 0), 0);
      return ticks / CLOCK_TICKS_PER_SECOND;
    } catch {
      return 0;
    }
  }

  /** Waits until every port listens in the namespace (and `logLine`, if given, is in the log). */
  async waitReady(ports: Port[], timeoutMs: number, logLine?: RegExp): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready: "${this.logTail(1)}" (log ${this.logPath})`);
      const open = listening(this.lab, this.ns);
      const missing = ports.filter((p) => !open.has(key(p)));
      const logged = !logLine || logLine.test(this.log());
      if (missing.length === 0 && logged) return;
      if (Date.now() > deadline) {
        const what = missing.length ? `ports ${missing.map(key).join(', ')} not listening` : `no line matching ${logLine} in its log`;
        throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${what}; last log line "${this.logTail(1)}" (log ${this.logPath})`);
      }
      await sleep(100);
    }
  }

  /** SIGTERM, SIGKILL after `graceMs`; then waits until `ports` are free in the namespace. */
  async stop(ports: Port[], graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      child.kill('SIGTERM');
      const killed = await Promise.race([this.exit!.then(() => false), sleep(graceMs).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await this.exit;
      }
    }
    const deadline = Date.now() + graceMs;
    for (;;) {
      const open = listening(this.lab, this.ns);
      const busy = ports.filter((p) => open.has(key(p)));
      if (busy.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${this.name} stopped but ${busy.map(key).join(', ')} still in use in ${this.ns}`);
      await sleep(100);
    }
  }

  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  logTail(lines = 15): string {
    return this.log().trimEnd().split('\n').slice(-lines).join('\n');
  }
}

function key(p: Port): string {
  return `${p.proto}:${p.port}`;
}

/** Ports with a listening (TCP) or bound (UDP) socket in `ns`, as "udp:67", "tcp:80". */
export function listening(lab: NetLab, ns: string): Set<string> {
  const out = lab.exec(ns, 'ss', ['-Hlnut'], { timeoutMs: 10_000 });
  const found = new Set<string>();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[4];
    if (!local || (cols[0] !== 'udp' && cols[0] !== 'tcp')) continue;
    found.add(`${cols[0]}:${local.slice(local.lastIndexOf(':') + 1)}`);
  }
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
