import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetLab } from '../support/netns.ts';

/**
 * A technician often starts Bootcast before plugging the boot-network cable in. Node's
 * os.networkInterfaces() hides interfaces without carrier, so the interface list must still show
 * the address (and say the link is down) instead of claiming the interface has no IPv4.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const lab = NetLab.available();

describe.skipIf(!lab.ok)('an interface whose cable is not plugged in', () => {
  const net = new NetLab();
  afterAll(() => net.destroy());

  it('is listed with its address and as down', () => {
    const ns = net.addNamespace('bcnc');
    const peer = net.addNamespace('bcnp');
    net.addVeth({ ns, ifname: 'eth1', cidr: '198.18.7.1/24' }, { ns: peer, ifname: 'eth0' });
    net.ip(peer, 'link', 'set', 'eth0', 'down'); // the far end unplugged: eth1 has NO-CARRIER
    const script = `import('${join(ROOT, 'src-main/net/interfaces.ts')}').then(m => console.log(JSON.stringify(m.listInterfaces())))`;
    const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: ROOT });
    const eth1 = (JSON.parse(out) as { name: string; up: boolean; addresses: unknown[] }[]).find((i) => i.name === 'eth1');
    expect(eth1).toMatchObject({ up: false, addresses: [{ address: '198.18.7.1', prefixLength: 24 }] });
  });
});
