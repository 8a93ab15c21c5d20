import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Network namespaces a test builds for itself and removes afterwards. Only addresses from
 * 198.18.0.0/15 are ever configured, and only inside namespaces created here: nothing touches
 * the machine's own interfaces. Needs root (CI and the dev machines run as root); tests check
 * `NetLab.available()` and skip with a reason elsewhere.
 */
export class NetLab {
  /** Short random tag so parallel test files never collide on namespace or interface names. */
  readonly tag = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();

  static available(): { ok: true } | { ok: false; why: string } {
    if (process.getuid?.() !== 0) return { ok: false, why: 'network-namespace tests need root' };
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    } catch {
      return { ok: false, why: 'iproute2 (`ip netns`) is not available' };
    }
    return { ok: true };
  }

  /** Creates namespace `<base>-<tag>` with loopback up; returns its name. */
  addNamespace(base: string): string {
    const name = `${base}-${this.tag}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.ip(name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** `ip …` inside a namespace. */
  ip(ns: string, ...args: string[]): string {
    return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  }

  /** Bridge `name` in `ns`, up, with an optional address (CIDR). */
  addBridge(ns: string, name: string, cidr?: string): void {
    this.ip(ns, 'link', 'add', name, 'type', 'bridge');
    // No STP forwarding delay: a PXE ROM that sends DISCOVER at link-up must be heard at once.
    this.ip(ns, 'link', 'set', name, 'type', 'bridge', 'forward_delay', '0');
    if (cidr) this.ip(ns, 'addr', 'add', cidr, 'dev', name);
    this.ip(ns, 'link', 'set', name, 'up');
  }

  /**
   * A veth pair: `a` in nsA (optionally enslaved to a bridge there or given an address),
   * `b` in nsB likewise. Interface names must fit in 15 characters.
   */
  addVeth(a: { ns: string; ifname: string; bridge?: string; cidr?: string }, b: { ns: string; ifname: string; bridge?: string; cidr?: string }): void {
    const tmpA = `va${this.tag}${randomBytes(1).toString('hex')}`;
    const tmpB = `vb${this.tag}${randomBytes(1).toString('hex')}`;
    execFileSync('ip', ['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
    execFileSync('ip', ['link', 'set', tmpA, 'netns', a.ns]);
    execFileSync('ip', ['link', 'set', tmpB, 'netns', b.ns]);
    for (const [tmp, end] of [[tmpA, a], [tmpB, b]] as const) {
      this.ip(end.ns, 'link', 'set', tmp, 'name', end.ifname);
      if (end.bridge) this.ip(end.ns, 'link', 'set', end.ifname, 'master', end.bridge);
      if (end.cidr) this.ip(end.ns, 'addr', 'add', end.cidr, 'dev', end.ifname);
      this.ip(end.ns, 'link', 'set', end.ifname, 'up');
    }
  }

  /**
   * The topology most PXE tests need: a server namespace with the boot LAN on a bridge
   * (198.18.0.1/24) and an uplink (198.19.0.2/24) to an "internet" namespace (198.19.0.1/24)
   * that holds the server's default route, so a reply sent the naive way would leave through the
   * wrong interface. Optionally a client namespace on the bridge, routed through the server.
   */
  addPxeLab(o: {
    server: string;
    internet: string;
    bridge?: string;
    uplink?: string;
    internetIf?: string;
    client?: { base: string; cidr: string; port?: string };
  }): { server: string; internet: string; client?: string } {
    const bridge = o.bridge ?? 'br0';
    const server = this.addNamespace(o.server);
    const internet = this.addNamespace(o.internet);
    this.addBridge(server, bridge, '198.18.0.1/24');
    this.addVeth({ ns: server, ifname: o.uplink ?? 'wan0', cidr: '198.19.0.2/24' }, { ns: internet, ifname: o.internetIf ?? 'eth0', cidr: '198.19.0.1/24' });
    this.ip(server, 'route', 'add', 'default', 'via', '198.19.0.1');
    if (!o.client) return { server, internet };
    const client = this.addNamespace(o.client.base);
    this.addVeth({ ns: client, ifname: 'eth0', cidr: o.client.cidr }, { ns: server, ifname: o.client.port ?? 'cl0', bridge });
    this.ip(client, 'route', 'add', 'default', 'via', '198.18.0.1');
    return { server, internet, client };
  }

  /** A tap device in `ns` enslaved to `bridge`, for a QEMU guest (created before QEMU starts so the firmware sees link up). */
  addTap(ns: string, ifname: string, bridge: string): void {
    this.ip(ns, 'tuntap', 'add', 'dev', ifname, 'mode', 'tap');
    this.ip(ns, 'link', 'set', ifname, 'master', bridge);
    this.ip(ns, 'link', 'set', ifname, 'up');
  }

  /** Runs a command to completion inside `ns`; returns stdout. Throws with stderr on failure. */
  exec(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 30_000,
      input: opts.input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Starts a long-running process inside `ns`; it is killed by `destroy()` if still running. */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Kills what it started and deletes its namespaces (which removes their interfaces). */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  }
}

/** Resolves with the first stdout/stderr line matching `re`, or rejects after `timeoutMs`. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = line.match(re);
        if (m) {
          cleanup();
          resolve(m);
          return;
        }
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process exited (${code}) before printing a line matching ${re}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${re} within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
