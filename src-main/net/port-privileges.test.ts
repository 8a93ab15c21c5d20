import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../engine/settings-store.ts';
import type { ServerSettings } from '../shared/api.ts';
import { cliStartNotice, desktopStartNotice, portsInUse, privilegedPorts, type PrivilegeFacts } from './port-privileges.ts';

const settings = (over: Partial<ServerSettings> = {}): ServerSettings => ({
  ...defaultSettings(), interface: 'eth1', dhcpMode: 'auto',
  ports: { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 80, nbd: 10809 }, ...over,
});
const linuxUser: PrivilegeFacts = { platform: 'linux', uid: 1000, unprivilegedPortStart: 1024 };

describe('which ports need privileges', () => {
  it('lists the ports each DHCP mode opens', () => {
    expect(portsInUse(settings()).map((p) => p.port)).toEqual([67, 69, 80, 4011, 10809]);
    expect(portsInUse(settings({ dhcpMode: 'proxy' })).map((p) => p.port)).toEqual([69, 80, 4011, 10809]);
    expect(portsInUse(settings({ dhcpMode: 'off' })).map((p) => p.port)).toEqual([69, 80, 10809]);
  });

  it('needs nothing as root, on Windows, or where Linux lets anyone bind low ports', () => {
    expect(privilegedPorts(settings(), { ...linuxUser, uid: 0 })).toEqual([]);
    expect(privilegedPorts(settings(), { platform: 'win32', uid: undefined, unprivilegedPortStart: 1024 })).toEqual([]);
    expect(privilegedPorts(settings(), { ...linuxUser, unprivilegedPortStart: 0 })).toEqual([]);
  });

  it('on macOS counts every port below 1024, because Bootcast binds the interface address', () => {
    expect(privilegedPorts(settings({ dhcpMode: 'off' }), { platform: 'darwin', uid: 501, unprivilegedPortStart: 1024 })).toEqual([{ proto: 'UDP', port: 69 }, { proto: 'TCP', port: 80 }]);
  });

  it('tells the desktop user about one password prompt and the CLI user about sudo or port flags', () => {
    expect(desktopStartNotice(settings(), linuxUser)).toBe('Bootcast will ask for your password once to open network ports (UDP 67, 69 and TCP 80); the window itself keeps running as you.');
    expect(desktopStartNotice(settings(), { platform: 'darwin', uid: 501, unprivilegedPortStart: 1024 })).toContain('your administrator password');
    expect(desktopStartNotice(settings({ ports: { dhcp: 6700, proxyDhcp: 4011, tftp: 6900, http: 8080, nbd: 10809 } }), linuxUser)).toBeNull();
    expect(cliStartNotice(settings({ dhcpMode: 'off' }), linuxUser)).toMatch(/^ports UDP 69 and TCP 80 need administrator rights: run `sudo bootcast serve …`/);
  });
});
