import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sambaConfig, shareNameFor } from '../../src-main/boot/windows/setup-source.ts';
import { NetLab } from '../support/netns.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';

/**
 * The install source Windows Setup maps from WinPE: Debian's smbd with Bootcast's generated
 * configuration, inside a namespace (198.18.0.0/15, nothing on the host's interfaces), and
 * smbclient, a client nobody here wrote, in another namespace listing sources/install.wim as
 * a guest and failing to write. The share points at the medium's tree; how a running engine
 * exposes the ISO's files there is described in docs/windows-setup.md.
 */
const lab = NetLab.available();

describe.skipIf(!lab.ok)('Windows Setup install source over SMB', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-smb-'));
  const share = shareNameFor('win11');
  let tree = '';
  let client = '';
  let pidFile = '';

  beforeAll(async () => {
    tree = await makeWindowsMedia(work, join(work, 'win.iso'), { setup: true });
    // Guests are 'nobody': the shared tree must be reachable by it (mkdtemp makes 0700).
    chmodSync(work, 0o755);
    const srv = net.addNamespace('bcsmb');
    client = net.addNamespace('bcpe');
    net.addVeth({ ns: srv, ifname: 'smb0', cidr: '198.18.44.1/24' }, { ns: client, ifname: 'pe0', cidr: '198.18.44.2/24' });
    const state = join(work, 'smb-state');
    for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log']) mkdirSync(join(state, d), { recursive: true });
    const conf = join(work, 'smb.conf');
    writeFileSync(conf, sambaConfig({ address: '198.18.44.1', stateDir: state, shares: [{ name: share, path: tree }] }));
    // Daemon mode: smbd's helpers (notifyd, cleanupd) would otherwise hold the test's pipes
    // open; the pid file says which process to stop.
    pidFile = join(state, 'pid', 'smbd.pid');
    net.exec(srv, '/usr/sbin/smbd', ['--daemon', `--configfile=${conf}`]);
    // smbd logs nothing reliable on start at this level: poll until it answers.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        net.exec(client, 'smbclient', ['-N', `//198.18.44.1/${share}`, '-c', 'ls'], { timeoutMs: 10_000 });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }, 90_000);

  afterAll(async () => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
    if (pid > 0) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists sources\\install.wim with its size to a guest, as WinPE\'s net use sees the share', () => {
    const out = net.exec(client, 'smbclient', ['-N', `//198.18.44.1/${share}`, '-m', 'SMB3', '-c', 'ls sources\\*']);
    const size = statSync(join(tree, 'sources', 'install.wim')).size;
    expect(out).toMatch(new RegExp(`install\\.wim\\s+[A-Z]+\\s+${size}\\b`));
    expect(out).toMatch(/boot\.wim/);
  });

  it('refuses writes: the share is read-only', () => {
    const local = join(work, 'upload.txt');
    writeFileSync(local, 'x');
    let out = '';
    try {
      out = net.exec(client, 'smbclient', ['-N', `//198.18.44.1/${share}`, '-c', `put ${local} upload.txt`]);
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
    }
    expect(out).toMatch(/NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)/);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
