import type { NatState } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';
import type { NatBackend, NatPlan } from './nat-backend.ts';
import { NatError } from './nat-errors.ts';
import { parseIpv4Cidr } from './ipv4-cidr.ts';
import { NatRecordFile, type NatRecord } from './nat-record.ts';
import { bootTime, recordOwnerAlive } from './record-owner.ts';

export interface NatEnableRequest {
  /** The PXE interface (never used as uplink). */
  lanInterface: string;
  /** The PXE subnet, e.g. 198.18.0.0/24 (an address inside it, 198.18.0.1/24, is accepted). */
  lanCidr: string;
  /** Defaults to the first interface holding a default route. */
  uplink?: string;
}

export interface NatLogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface NatEvents {
  /** After every change of `state()`. */
  changed: NatState;
  /** One line per action (applied, removed, recovered, refused), for the log and the timeline. */
  log: NatLogLine;
}

/** Internet sharing for the PXE subnet. Every method resolves with the new state; failures are in `state.error`. */
export interface NatController {
  readonly events: Emitter<NatEvents>;
  state(): NatState;
  /** Re-probes support/privilege and the uplink candidates (excluding `lanInterface`, or the last one given). */
  refresh(lanInterface?: string): Promise<NatState>;
  /** Interfaces holding an IPv4 default route, never `lanInterface`. */
  uplinkCandidates(lanInterface?: string): Promise<string[]>;
  enable(request: NatEnableRequest): Promise<NatState>;
  disable(): Promise<NatState>;
  /** At engine start: undoes what a previous run that crashed left applied (per the state file). */
  recover(): Promise<NatState>;
}

export interface NatControllerOptions {
  /** JSON record of applied changes, e.g. `<dataDir>/nat-state.json`. */
  stateFile: string;
  /** Mechanisms in order of preference; the first whose tool exists is used. Empty: unsupported. */
  backends: NatBackend[];
  /** Shown when `backends` is empty. */
  unsupportedReason?: string;
  /** Whether another live Bootcast owns a record (default: pid/boot/cmdline check); injectable for tests. */
  ownerAlive?: (record: NatRecord) => boolean;
}

/** Loose check shared by every OS (Windows names have spaces); backends quote or validate further. */
const INTERFACE_NAME = /^[^\0-\x1f"'`$\\]{1,64}$/;

export class DefaultNatController implements NatController {
  readonly events = new Emitter<NatEvents>();
  private readonly file: NatRecordFile;
  private current: NatState;
  private record: NatRecord | undefined;
  private lanInterface: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: NatControllerOptions) {
    this.file = new NatRecordFile(options.stateFile);
    this.current = {
      supported: options.backends.length > 0,
      enabled: false,
      uplinkCandidates: [],
      applied: [],
      unavailableReason: options.backends.length > 0 ? undefined : (options.unsupportedReason ?? 'internet sharing is not supported on this system'),
    };
  }

  state(): NatState {
    return structuredClone(this.current);
  }

  refresh(lanInterface?: string): Promise<NatState> {
    return this.exclusive(async () => {
      if (lanInterface !== undefined) this.lanInterface = lanInterface;
      const patch: Partial<NatState> = {};
      try {
        await this.select();
        patch.unavailableReason = undefined;
        patch.supported = true;
      } catch (err) {
        const e = asNatError(err);
        patch.supported = e.kind !== 'unavailable';
        patch.unavailableReason = e.message;
      }
      patch.uplinkCandidates = await this.candidates().catch(() => []);
      this.update(patch);
      return this.state();
    });
  }

  uplinkCandidates(lanInterface?: string): Promise<string[]> {
    if (lanInterface !== undefined) this.lanInterface = lanInterface;
    return this.candidates();
  }

  enable(request: NatEnableRequest): Promise<NatState> {
    return this.exclusive(async () => {
      try {
        await this.enableNow(request);
      } catch (err) {
        const e = asNatError(err);
        this.update({ enabled: false, applied: [], error: e.message, ...(e.kind === 'privilege' ? { unavailableReason: e.message } : {}) });
        this.log('error', `internet sharing not enabled: ${e.message}`);
      }
      return this.state();
    });
  }

  disable(): Promise<NatState> {
    return this.exclusive(async () => {
      let record: NatRecord | undefined;
      try {
        record = this.record ?? (await this.readRecord());
      } catch (err) {
        this.update({ error: asNatError(err).message });
        return this.state();
      }
      if (!record) {
        if (this.current.enabled || this.current.error) this.update({ enabled: false, applied: [], uplink: undefined, error: undefined });
        return this.state();
      }
      await this.undo(record, 'disabled');
      return this.state();
    });
  }

  recover(): Promise<NatState> {
    return this.exclusive(async () => {
      let record: NatRecord | undefined;
      try {
        record = await this.readRecord();
      } catch (err) {
        this.update({ error: asNatError(err).message });
        this.log('error', asNatError(err).message);
        return this.state();
      }
      if (record && !this.isOurs(record)) {
        if (this.ownerAlive(record)) {
          this.update({ error: this.ownedElsewhere(record) });
          this.log('warn', this.ownedElsewhere(record));
          return this.state();
        }
        this.log('warn', `a previous run (pid ${record.pid}, since ${record.createdAt}) left internet sharing ${record.phase === 'applied' ? 'on' : 'half-applied'} via ${record.backend}; undoing it`);
        await this.undo(record, 'recovered');
      }
      return this.state();
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private async enableNow(request: NatEnableRequest): Promise<void> {
    for (const [what, name] of [['PXE interface', request.lanInterface], ['uplink interface', request.uplink]] as const) {
      if (name !== undefined && !INTERFACE_NAME.test(name)) throw new NatError(`${what} "${name}" is not a valid interface name`, 'invalid');
    }
    const lan = parseIpv4Cidr(request.lanCidr);
    this.lanInterface = request.lanInterface;
    // Tool and privilege first: a refusal must come before anything is read or written.
    const backend = await this.select();

    const stale = await this.readRecord();
    if (stale && !this.isOurs(stale)) {
      if (this.ownerAlive(stale)) throw new NatError(this.ownedElsewhere(stale), 'failed');
      this.log('warn', `found NAT changes of a previous run (pid ${stale.pid}); undoing them first`);
      if (!(await this.undo(stale, 'recovered'))) throw new NatError(this.current.error ?? 'could not undo a previous run\'s NAT changes', 'failed');
    }

    const candidates = await this.candidates().catch(() => [] as string[]);
    this.update({ uplinkCandidates: candidates });
    const uplink = request.uplink ?? candidates[0];
    if (!uplink) throw new NatError('no interface holds a default route: connect to the internet first, or choose the uplink interface explicitly', 'invalid');
    if (uplink === request.lanInterface) throw new NatError(`the uplink cannot be the PXE interface (${uplink}): choose the interface that reaches the internet`, 'invalid');
    // Only a name the system itself listed reaches a backend's script or command line, on every OS.
    if (!candidates.includes(uplink)) {
      throw new NatError(`"${uplink}" is not an interface that reaches the internet here (uplinks: ${candidates.join(', ') || 'none'}): choose one of those`, 'invalid');
    }

    const plan: NatPlan = { lanInterface: request.lanInterface, lan, uplink };
    if (this.record) {
      if (this.record.uplink === uplink && this.record.lanInterface === plan.lanInterface && this.record.lanCidr === lan.text) return;
      if (!(await this.undo(this.record, 'disabled'))) throw new NatError(this.current.error ?? 'could not remove the previous sharing', 'failed');
    }

    const restore = await backend.snapshot(plan);
    const record: NatRecord = {
      version: 1,
      backend: backend.name,
      pid: process.pid,
      createdAt: new Date().toISOString(),
      bootTime: bootTime(),
      lanInterface: plan.lanInterface,
      lanCidr: lan.text,
      uplink,
      phase: 'applying',
      restore,
      applied: [],
    };
    // Written before the first change: a crash from here on is undone by recover().
    await this.file.write(record);
    try {
      const applied = await backend.apply(plan, restore, async (more) => {
        record.restore = { ...record.restore, ...more };
        await this.file.write(record);
      });
      record.phase = 'applied';
      record.applied = applied;
      await this.file.write(record);
    } catch (err) {
      const e = asNatError(err);
      try {
        await backend.remove(record);
        await this.file.remove();
      } catch (undoErr) {
        throw new NatError(`${e.message}; rolling back also failed (${asNatError(undoErr).message}); Bootcast retries at its next start`, e.kind);
      }
      throw e;
    }
    this.record = record;
    this.update({ enabled: true, uplink, applied: record.applied, error: undefined, unavailableReason: undefined, supported: true });
    this.log('info', `internet sharing on: ${lan.text} from ${plan.lanInterface} masqueraded out of ${uplink} (${record.applied.filter((l) => !l.startsWith('warning:')).join('; ')})`);
    for (const line of record.applied) if (line.startsWith('warning:')) this.log('warn', line.slice('warning:'.length).trim());
  }

  /** Removes what `record` applied; true on success. */
  private async undo(record: NatRecord, why: 'disabled' | 'recovered'): Promise<boolean> {
    const backend = this.options.backends.find((b) => b.name === record.backend);
    try {
      if (!backend) throw new NatError(`the NAT record ${this.file.path} was written by the ${record.backend} backend, which is not available here; remove its rules by hand, then delete the file`, 'unavailable');
      const removed = await backend.remove(record);
      await this.file.remove();
      if (this.record === record) this.record = undefined;
      this.update({ enabled: false, uplink: undefined, applied: [], error: undefined });
      this.log(why === 'recovered' ? 'warn' : 'info', `internet sharing ${why === 'recovered' ? 'left by a previous run removed' : 'off'}: ${removed.length ? removed.join('; ') : 'nothing was left to remove'}`);
      return true;
    } catch (err) {
      const e = asNatError(err);
      this.update({ error: `could not turn internet sharing off: ${e.message}`, enabled: this.record === record });
      this.log('error', `could not remove internet sharing (${record.backend}): ${e.message}`);
      return false;
    }
  }

  private ownerAlive(record: NatRecord): boolean {
    return (this.options.ownerAlive ?? recordOwnerAlive)(record);
  }

  private ownedElsewhere(record: NatRecord): string {
    return `internet sharing is on, owned by another running Bootcast (pid ${record.pid}, since ${record.createdAt}); turn it off there, or quit that process (its rules are then undone at the next start). If pid ${record.pid} is not Bootcast, delete ${this.file.path} after checking the firewall.`;
  }

  /** The file's record is the one this process applied (same writer, same moment). */
  private isOurs(record: NatRecord): boolean {
    return this.record !== undefined && record.pid === this.record.pid && record.createdAt === this.record.createdAt;
  }

  private async readRecord(): Promise<NatRecord | undefined> {
    try {
      return await this.file.read();
    } catch (err) {
      throw new NatError((err as Error).message, 'failed');
    }
  }

  /** First backend whose tool exists; a privilege refusal is reported, not skipped. */
  private async select(): Promise<NatBackend> {
    const reasons: string[] = [];
    for (const backend of this.options.backends) {
      try {
        await backend.probe();
        return backend;
      } catch (err) {
        const e = asNatError(err);
        if (e.kind !== 'unavailable') throw e;
        reasons.push(e.message);
      }
    }
    throw new NatError(reasons.at(-1) ?? this.options.unsupportedReason ?? 'internet sharing is not supported on this system', 'unavailable');
  }

  private async candidates(): Promise<string[]> {
    const backend = this.options.backends[0];
    if (!backend) return [];
    const found = await backend.defaultRouteInterfaces();
    return found.filter((name) => name !== this.lanInterface);
  }

  private update(patch: Partial<NatState>): void {
    const next = { ...this.current, ...patch };
    for (const key of Object.keys(next) as (keyof NatState)[]) if (next[key] === undefined) delete next[key];
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.events.emit('changed', this.state());
  }

  private log(level: NatLogLine['level'], message: string): void {
    this.events.emit('log', { level, message });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function asNatError(err: unknown): NatError {
  if (err instanceof NatError) return err;
  return new NatError(err instanceof Error ? err.message : String(err), 'failed');
}
