import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareNameFor } from '../../src-main/boot/windows/setup-source.ts';
import { SetupShareService, recoverSetupShare } from '../../src-main/net/setup-share/setup-share-service.ts';
import { bindTreeMounter, isMountPoint, smbdProcessesWith } from '../support/bind-mounter.ts';
import { NetLab } from '../support/netns.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';

/**
 * The Windows Setup share as the engine runs it: SetupShareService mounts the medium and runs
 * Debian's smbd as a daemon inside a namespace (198.18.0.0/15, nothing on the host's
 * interfaces); smbclient, a client nobody here wrote, in another namespace lists and reads
 * sources\install.wim as a guest and cannot write; stop() and crash recovery leave no smbd and no
 * mount. The kernel here has no UDF/ISO 9660, so the mount is a read-only bind of the tree the
 * ISO was built from (test/support/bind-mounter.ts); the loop mount itself is not run here.
 */
const lab = NetLab.available();

describe.skipIf(!lab.ok)('Windows Setup install share (smbd in a namespace)', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-smb-'));
  const iso = join(work, 'Win11.iso');
  const dataDir = join(work, 'data');
  const configFile = join(dataDir, 'setup-share', 'smbd', 'smb.conf');
  const share = shareNameFor('win11');
  let tree = '';
  let srv = '';
  let client = '';
  const smbclient = (cmd: string) => net.exec(client, 'smbclient', ['-N', `//198.18.44.1/${share}`, '-m', 'SMB3', '-c', cmd], { timeoutMs: 20_000 });
  const service = () =>
    new SetupShareService({
      address: '198.18.44.1',
      dataDir,
      images: [{ imageId: 'win11', isoPath: iso, share }],
      mounter: bindTreeMounter(() => tree),
      wrapSmbd: (cmd, args) => ['ip', ['netns', 'exec', srv, cmd, ...args]],
    });

  beforeAll(async () => {
    tree = await makeWindowsMedia(work, iso, { setup: true });
    // mkdtemp makes 0700: the guest account must traverse down to the mount point in the data dir.
    chmodSync(work, 0o755);
    srv = net.addNamespace('bcsmb');
    client = net.addNamespace('bcpe');
    net.addVeth({ ns: srv, ifname: 'smb0', cidr: '198.18.44.1/24' }, { ns: client, ifname: 'pe0', cidr: '198.18.44.2/24' });
  }, 90_000);

  afterAll(async () => {
    await recoverSetupShare(dataDir, bindTreeMounter(() => tree)).catch(() => undefined);
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the ISO\'s install.wim read-only to a guest in another namespace, and stop leaves no smbd and no mount', async () => {
    const s = service();
    await s.start();
    const mountDir = join(dataDir, 'setup-share', 'mnt', share);
    try {
      expect(isMountPoint(mountDir)).toBe(true);
      const listing = smbclient('ls sources\\*');
      const wim = readFileSync(join(tree, 'sources', 'install.wim'));
      expect(listing).toMatch(new RegExp(`install\\.wim\\s+[A-Z]+\\s+${wim.byteLength}\\b`));
      const local = join(work, 'fetched.wim');
      smbclient(`get sources\\install.wim ${local}`);
      expect(sha256(readFileSync(local))).toBe(sha256(wim));
      writeFileSync(join(work, 'upload.txt'), 'x');
      expect(attempt(() => smbclient(`put ${join(work, 'upload.txt')} upload.txt`))).toMatch(/NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)/);
      // As bootcast-setup.cmd logs on: `net use … /user:guest ""` (a named guest with no password).
      const asGuest = net.exec(client, 'smbclient', ['-U', 'guest%', `//198.18.44.1/${share}`, '-m', 'SMB3', '-c', 'ls setup.exe'], { timeoutMs: 20_000 });
      expect(asGuest).toMatch(/setup\.exe\s+[A-Z]+\s+\d+/);
      expect(smbdProcessesWith(configFile).length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    expect(smbdProcessesWith(configFile)).toEqual([]);
    expect(isMountPoint(mountDir)).toBe(false);
    expect(existsSync(mountDir)).toBe(false);
    expect(existsSync(join(dataDir, 'setup-share', 'applied.json'))).toBe(false);
  }, 90_000);

  it('after a crash (stop never ran), the next start\'s recovery stops that smbd and unmounts the ISO', async () => {
    const s = service();
    await s.start();
    const mountDir = join(dataDir, 'setup-share', 'mnt', share);
    expect(smbdProcessesWith(configFile).length).toBeGreaterThan(0);
    // While another live Bootcast (a Node process) owns the record, its share is left alone.
    const recordPath = join(dataDir, 'setup-share', 'applied.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as { owner: number };
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(recordPath, JSON.stringify({ ...record, owner: other.pid }));
      expect(await recoverSetupShare(dataDir, bindTreeMounter(() => tree))).toEqual([]);
      expect(smbdProcessesWith(configFile).length).toBeGreaterThan(0);
    } finally {
      other.kill();
    }
    writeFileSync(recordPath, JSON.stringify(record));
    const undone = await recoverSetupShare(dataDir, bindTreeMounter(() => tree));
    expect(undone.join('\n')).toMatch(/stopped smbd \d+\nunmounted /);
    expect(smbdProcessesWith(configFile)).toEqual([]);
    expect(isMountPoint(mountDir)).toBe(false);
  }, 90_000);

  it('when smbd cannot bind (port taken) the start fails with what to do and undoes the mount', async () => {
    const blocker = net.spawn(srv, process.execPath, ['-e', 'require("node:net").createServer().listen(445, "198.18.44.1", () => console.log("up"))']);
    await new Promise<void>((resolve) => blocker.stdout!.once('data', () => resolve()));
    try {
      await expect(service().start()).rejects.toThrow(/port 445 is already in use/);
      expect(smbdProcessesWith(configFile)).toEqual([]);
      expect(isMountPoint(join(dataDir, 'setup-share', 'mnt', share))).toBe(false);
    } finally {
      blocker.kill();
    }
  }, 90_000);
});

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function attempt(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
  }
}

