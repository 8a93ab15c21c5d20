import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';

/**
 * busybox nslookup (a resolver nobody here wrote) asks the forwarder on the PXE address, which
 * relays to a stub on 127.0.0.53 inside the server namespace: the full-mode DHCP "DNS = me" case.
 */
const available = NetLab.available();
const hasBusybox = (() => {
  try {
    execFileSync('busybox', ['nslookup'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== undefined && (err as { code?: string }).code !== 'ENOENT';
  }
})();

describe.skipIf(!available.ok || !hasBusybox)('DnsForwarder answers busybox nslookup on the PXE interface', () => {
  const lab = new NetLab();
  let server = '';
  let client = '';

  beforeAll(async () => {
    server = lab.addNamespace('dfs');
    client = lab.addNamespace('dfc');
    lab.addBridge(server, 'pxe0', '198.18.0.1/24');
    lab.addVeth({ ns: client, ifname: 'eth0', cidr: '198.18.0.20/24' }, { ns: server, ifname: 'cl0', bridge: 'pxe0' });
    const child = lab.spawn(server, process.execPath, ['--import', 'tsx', join(process.cwd(), 'test/support/run-dns-forwarder.ts'), '198.18.0.1', '127.0.0.53', '198.18.44.44']);
    await waitForLine(child, /^ready$/, 30_000);
  });

  afterAll(() => lab.destroy());

  it('resolves a name through the forwarder and the stub behind it', () => {
    const out = lab.exec(client, 'busybox', ['nslookup', '-type=a', 'mirror.example', '198.18.0.1'], { timeoutMs: 15_000 });
    expect(out).toMatch(/Server:\s+198\.18\.0\.1/);
    expect(out).toMatch(/Name:\s+mirror\.example\s+Address:\s+198\.18\.44\.44/);
  });
});

if (!available.ok || !hasBusybox) describe('DnsForwarder answers busybox nslookup on the PXE interface', () => it.skip(available.ok ? 'busybox is not installed' : available.why, () => {}));
