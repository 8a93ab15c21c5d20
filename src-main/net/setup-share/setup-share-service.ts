import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join, parse } from 'node:path';
import { sambaConfig } from '../../boot/windows/setup-source.ts';
import { bootTime, recordOwnerAlive } from '../nat/record-owner.ts';
import { loopIsoMounter, type IsoMounter } from './iso-mounter.ts';
import { shareHostFacts, shareUnavailableReason, type ShareHostFacts } from './share-host.ts';
import { startSmbd, stopSmbd, stopSmbdWith, type SmbdStart } from './smbd-daemon.ts';

/**
 * The Windows Setup install share, owned by the engine like its servers: start() mounts each
 * Setup ISO read-only into a private directory and runs a private smbd (config from
 * sambaConfig(): bound to the boot address only, guest read-only shares); stop() undoes both.
 * What is applied is written to a record in the data directory first, so a crash, a kill or a
 * power cut is undone by `recoverSetupShare` at the next start (as NAT does): no smbd or mount
 * outlives Bootcast for long. A start that fails undoes what it did and throws the sentence the
 * technician reads; WinPE boots either way.
 */
export interface SetupShareImage {
  imageId: string;
  isoPath: string;
  /** SMB share name (setup-source.ts shareNameFor). */
  share: string;
}

export interface SetupShareOptions {
  address: string;
  /** 445: WinPE's `net use` knows no other port. Tests pick a free one. */
  port?: number;
  dataDir: string;
  images: SetupShareImage[];
  host?: () => ShareHostFacts;
  mounter?: IsoMounter;
  /** Tests: run smbd inside a network namespace. */
  wrapSmbd?: SmbdStart['wrap'];
}

interface ShareRecord {
  configFile: string;
  /** The Bootcast process that applied it, and when this machine booted (record-owner.ts). */
  owner: number;
  bootTime: string;
  mounts: string[];
}

const RUN_PREFIX = 'bootcast-setup-share-';
const recordFile = (dataDir: string) => join(dataDir, 'setup-share', 'applied.json');

export class SetupShareService {
  private pid = 0;
  private mounted: string[] = [];
  /** Mount points created by start(), removed by stop() once empty. */
  private dirs: string[] = [];
  private configFile = '';

  constructor(private readonly o: SetupShareOptions) {}

  get port(): number {
    return this.o.port ?? 445;
  }

  async start(): Promise<void> {
    const facts = (this.o.host ?? shareHostFacts)();
    const reason = shareUnavailableReason(facts);
    if (reason) throw new Error(reason);
    const base = join(this.o.dataDir, 'setup-share');
    const state = join(base, 'smbd');
    mkdirSync(state, { recursive: true, mode: 0o755 });
    for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log']) mkdirSync(join(state, d), { recursive: true, mode: d === 'private' ? 0o700 : 0o755 });
    const configFile = join(state, 'smb.conf');
    this.configFile = configFile;
    const root = mountRoot(this.o.dataDir);
    const shares = this.o.images.map((i) => ({ ...i, dir: join(root, i.share) }));
    const record: ShareRecord = { configFile, owner: process.pid, bootTime: bootTime(), mounts: shares.map((s) => s.dir) };
    writeRecord(this.o.dataDir, record);
    try {
      const mounter = this.o.mounter ?? loopIsoMounter();
      for (const s of shares) {
        mkdirSync(s.dir, { recursive: true, mode: 0o755 });
        this.dirs.push(s.dir);
        await mounter.mount(s.isoPath, s.dir);
        this.mounted.push(s.dir);
      }
      writeFileSync(configFile, sambaConfig({ address: this.o.address, port: this.port, stateDir: state, shares: shares.map((s) => ({ name: s.share, path: s.dir })) }));
      this.pid = await startSmbd({
        smbd: facts.smbd!,
        configFile,
        pidDir: join(state, 'pid'),
        logFile: join(state, 'log', 'smbd.log'),
        address: this.o.address,
        port: this.port,
        wrap: this.o.wrapSmbd,
      });
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    const errors: string[] = [];
    if (this.pid) await stopSmbd(this.pid).catch((err: Error) => errors.push(err.message));
    this.pid = 0;
    // One that started without its pid ever being learnt (a start that timed out).
    if (this.configFile) await stopSmbdWith(this.configFile).catch((err: Error) => errors.push(err.message));
    const mounter = this.o.mounter ?? loopIsoMounter();
    for (const dir of this.mounted.reverse()) await mounter.unmount(dir).catch((err: Error) => errors.push(err.message));
    for (const dir of this.dirs) removeDir(dir);
    // The /run directory is the run's alone; the data directory's stays for the next run.
    for (const parent of new Set(this.dirs.map((d) => dirname(d)))) if (basename(parent).startsWith(RUN_PREFIX)) removeDir(parent);
    this.mounted = [];
    this.dirs = [];
    if (errors.length) throw new Error(errors.join('; '));
    rmSync(recordFile(this.o.dataDir), { force: true });
  }
}

/**
 * Undoes what a run that never reached stop() left applied: its smbd (any process started with
 * its configuration) and its mounts. Returns what was undone, for the log.
 */
export async function recoverSetupShare(dataDir: string, mounter: IsoMounter = loopIsoMounter()): Promise<string[]> {
  let record: ShareRecord;
  try {
    record = JSON.parse(readFileSync(recordFile(dataDir), 'utf8')) as ShareRecord;
  } catch {
    return [];
  }
  // Another Bootcast on this data directory is serving it right now: not ours to undo.
  if (typeof record.owner === 'number' && recordOwnerAlive({ pid: record.owner, bootTime: record.bootTime })) return [];
  const done: string[] = [];
  // By its configuration, not the recorded pid: that pid may be reused, or never recorded.
  if (typeof record.configFile === 'string') for (const pid of await stopSmbdWith(record.configFile)) done.push(`stopped smbd ${pid}`);
  const mounts = mountPoints();
  for (const dir of Array.isArray(record.mounts) ? record.mounts : []) {
    if (mounts.has(dir)) {
      await mounter.unmount(dir);
      done.push(`unmounted ${dir}`);
    }
    removeDir(dir);
  }
  rmSync(recordFile(dataDir), { force: true });
  return done;
}

function writeRecord(dataDir: string, record: ShareRecord): void {
  mkdirSync(dirname(recordFile(dataDir)), { recursive: true });
  writeFileSync(recordFile(dataDir), JSON.stringify(record, null, 2));
}

/**
 * Where the ISOs are mounted: smbd serves a guest as `nobody`, which must be able to traverse every
 * directory above the share. The data directory is used when it can (a --data-dir such as
 * /var/lib/bootcast); under a private home (root's ~/.config) a directory of /run named after the
 * data directory instead, so two data directories never share mount points.
 */
export function mountRoot(dataDir: string): string {
  const inData = join(dataDir, 'setup-share', 'mnt');
  mkdirSync(dataDir, { recursive: true });
  if (traversableByOthers(dataDir)) {
    mkdirSync(inData, { recursive: true, mode: 0o755 });
    chmodSync(join(dataDir, 'setup-share'), 0o755);
    chmodSync(inData, 0o755);
    return inData;
  }
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const run = join('/run', `${RUN_PREFIX}${tag}`);
  mkdirSync(run, { recursive: true, mode: 0o755 });
  return run;
}

function traversableByOthers(dir: string): boolean {
  const { root } = parse(dir);
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (d === root) return true;
  }
}

/** Mount points of this process's mount namespace (octal escapes decoded). */
function mountPoints(): Set<string> {
  try {
    return new Set(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[4]!.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))));
  } catch {
    return new Set();
  }
}

function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (still mounted) or already gone: never delete what may be the ISO's contents
  }
}
