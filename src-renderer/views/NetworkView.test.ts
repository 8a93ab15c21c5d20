// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetInterfaceInfo, ServerSettings } from '@shared/api.ts';
import { createFakeApi, defaultSettings, type FakeApi } from '../../test/support/renderer/fake-api.ts';
import { mountWithApi, settle } from '../../test/support/renderer/mount-app.ts';
import { useNatStore } from '../stores/nat.ts';
import { useServerStore } from '../stores/server.ts';
import NetworkView from './NetworkView.vue';

const wired: NetInterfaceInfo = {
  name: 'enp3s0', addresses: [{ address: '198.18.0.1', prefixLength: 24 }], up: true, internal: false, defaultRoute: false, wireless: false,
  suggested: true, reason: 'Wired, has an IPv4 address, and is not the internet uplink.',
};
const wifi: NetInterfaceInfo = {
  name: 'wlp2s0', addresses: [{ address: '192.0.2.7', prefixLength: 24 }], up: true, internal: false, defaultRoute: true, wireless: true,
  suggested: false, reason: 'Wi-Fi carries the internet uplink; PXE over Wi-Fi does not work.',
};

describe('the network screen', () => {
  let api: FakeApi;
  let settings: ServerSettings;
  beforeEach(() => {
    api = createFakeApi();
    settings = defaultSettings();
    api.handlers['network.interfaces'] = () => [wired, wifi];
    api.handlers['server.settings'] = () => settings;
    api.handlers['server.updateSettings'] = (patch) => (settings = { ...settings, ...patch });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function mountHydrated() {
    const wrapper = mountWithApi(NetworkView, api);
    await Promise.all([useServerStore().hydrate(), useNatStore().hydrate()]);
    await settle();
    return wrapper;
  }

  it('explains why each interface is or is not the suggested one', async () => {
    const wrapper = await mountHydrated();
    const enp = wrapper.find('[data-iface="enp3s0"]');
    expect(enp.text()).toContain('Recommended');
    expect(enp.text()).toContain('not the internet uplink');
    expect(wrapper.find('[data-iface="wlp2s0"]').text()).toContain('Internet uplink');
  });

  it('starts on the suggested interface when none was chosen, and shows what DHCP decided', async () => {
    api.handlers['server.start'] = () => ({
      phase: 'running', interface: 'enp3s0', address: '198.18.0.1', effectiveDhcpMode: 'proxy',
      dhcpDecision: 'another DHCP server (198.18.0.254) answered: proxy mode',
      services: [{ name: 'proxyDhcp', listening: true, address: '198.18.0.1', port: 4011 }], errors: [], warnings: [],
    });
    const wrapper = await mountHydrated();
    await wrapper.find('[data-testid="start-stop"]').trigger('click');
    await settle();
    const order = api.calls.map((c) => c.method).filter((m) => m === 'server.updateSettings' || m === 'server.start');
    expect(order).toEqual(['server.updateSettings', 'server.start']);
    expect(settings.interface).toBe('enp3s0');
    expect(wrapper.find('[data-testid="dhcp-decision"]').text()).toContain('198.18.0.254');
    expect(wrapper.find('[data-testid="dhcp-effective"]').text()).toContain('Proxy');
    expect(wrapper.find('[data-testid="start-stop"]').text()).toContain('Stop');
    expect(wrapper.find('[data-service="proxyDhcp"]').text()).toContain('198.18.0.1:4011');
  });

  it('says before Start what the host will ask for, and asks again after a settings change', async () => {
    let notice: string | null = 'Bootcast will ask for your password once to open network ports (UDP 67, 69 and TCP 80)';
    api.handlers['server.privileges'] = () => ({ notice });
    const wrapper = await mountHydrated();
    expect(wrapper.find('[data-testid="privilege-notice"]').text()).toContain('will ask for your password once');
    notice = null;
    await wrapper.find('[data-mode="off"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="privilege-notice"]').exists()).toBe(false);
    expect(api.calls.filter((c) => c.method === 'server.privileges').length).toBe(2);
  });

  it('shows the Windows Setup share: the paths Setup maps, or what the host lacks, and turns it off', async () => {
    const missing = "Samba's smbd is not installed: install it (Debian/Ubuntu: sudo apt install samba; Fedora: sudo dnf install samba) and start again";
    api.handlers['server.start'] = () => ({
      phase: 'running', interface: 'enp3s0', address: '198.18.0.1', effectiveDhcpMode: 'full', errors: [], warnings: [],
      services: [{ name: 'smb', listening: false, address: '198.18.0.1', port: 445, error: missing }],
      setupShare: { status: 'unavailable', message: missing, shares: [] },
    });
    const wrapper = await mountHydrated();
    expect(wrapper.find('[data-testid="setup-share-state"]').text()).toBe('Starts with the server');
    await wrapper.find('[data-testid="start-stop"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="setup-share-state"]').text()).toBe('Not available');
    expect(wrapper.find('[data-testid="setup-share-message"]').text()).toContain('sudo apt install samba');
    expect(wrapper.find('[data-service="smb"]').text()).toContain('Windows Setup share (SMB)');
    useServerStore().state = {
      phase: 'running', services: [], errors: [], warnings: [],
      setupShare: { status: 'serving', message: 'ok', shares: [{ imageId: 'win11', unc: '\\\\198.18.0.1\\bootcast-win11' }] },
    };
    await settle();
    expect(wrapper.find('[data-testid="setup-share-state"]').text()).toContain('Sharing');
    expect(wrapper.find('[data-testid="setup-share-uncs"]').text()).toBe('\\\\198.18.0.1\\bootcast-win11');
    // Serving with no Windows Setup ISO among the images: nothing to share, and the badge says so.
    useServerStore().state = { phase: 'running', services: [], errors: [], warnings: [] };
    await settle();
    expect(wrapper.find('[data-testid="setup-share-state"]').text()).toBe('No Windows Setup ISO being served');
    useServerStore().state = { phase: 'stopped', services: [], errors: [], warnings: [] };
    await settle();
    await wrapper.find('[data-testid="setup-share-toggle"]').trigger('change');
    await settle();
    expect(settings.windowsSetupShare).toBe(false);
    expect(wrapper.find('[data-testid="setup-share-state"]').text()).toBe('Off');
  });

  it('shows why the engine refused to start', async () => {
    api.handlers['server.start'] = () => {
      throw new Error('port 67 is in use by dnsmasq (pid 812): stop it or choose proxy mode');
    };
    const wrapper = await mountHydrated();
    await wrapper.find('[data-testid="start-stop"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="server-action-error"]').text()).toContain('port 67 is in use by dnsmasq');
  });

  it('changes the DHCP mode, and locks mode and interface while serving', async () => {
    const wrapper = await mountHydrated();
    await wrapper.find('[data-mode="proxy"]').trigger('click');
    await settle();
    expect(api.calls.find((c) => c.method === 'server.updateSettings')?.arg).toEqual({ dhcpMode: 'proxy' });
    expect(wrapper.find('[data-mode="proxy"]').attributes('aria-checked')).toBe('true');
    api.emit('server.state', { phase: 'running', services: [], errors: [], warnings: [] });
    await settle();
    expect(wrapper.find('[data-mode="full"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-iface="wlp2s0"]').attributes('disabled')).toBeDefined();
  });

  it('sets how Secure Boot machines are served, also while serving', async () => {
    const wrapper = await mountHydrated();
    expect(wrapper.find('[data-sb-mode="auto"]').attributes('aria-checked')).toBe('true');
    api.emit('server.state', { phase: 'running', services: [], errors: [], warnings: [] });
    await settle();
    expect(wrapper.find('[data-sb-mode="always"]').attributes('disabled')).toBeUndefined();
    await wrapper.find('[data-sb-mode="always"]').trigger('click');
    await settle();
    expect(api.calls.find((c) => c.method === 'server.updateSettings')?.arg).toEqual({ secureBootClients: 'always' });
    expect(wrapper.find('[data-sb-mode="always"]').attributes('aria-checked')).toBe('true');
  });

  it('shares the internet through the chosen uplink and shows the result', async () => {
    api.handlers['nat.state'] = () => ({ supported: true, enabled: false, uplinkCandidates: ['wlp2s0', 'usb0'], applied: [] });
    api.handlers['nat.enable'] = (arg) => ({ supported: true, enabled: true, uplink: arg.uplink, uplinkCandidates: ['wlp2s0', 'usb0'], applied: ['nft: masquerade oif usb0'] });
    const wrapper = await mountHydrated();
    await wrapper.find('[data-testid="nat-uplink"]').setValue('usb0');
    await wrapper.find('[data-testid="nat-toggle"]').trigger('click');
    await settle();
    expect(api.calls.find((c) => c.method === 'nat.enable')?.arg).toEqual({ uplink: 'usb0' });
    expect(wrapper.find('[data-testid="nat-state"]').text()).toContain('Sharing through usb0');
  });

  it('saves the menu wait and ports only when asked, and not while serving', async () => {
    const wrapper = await mountHydrated();
    await wrapper.find('[data-testid="menu-timeout"]').setValue(0);
    await wrapper.find('[data-port="http"]').setValue(8080);
    expect(api.calls.some((c) => c.method === 'server.updateSettings')).toBe(false);
    await wrapper.find('[data-testid="advanced-settings"] form').trigger('submit');
    await settle();
    expect(api.calls.find((c) => c.method === 'server.updateSettings')?.arg).toEqual({ menuTimeoutSec: 0, ports: { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 8080, nbd: 10809 } });
    api.emit('server.state', { phase: 'running', services: [], errors: [], warnings: [] });
    await settle();
    expect(wrapper.find('[data-testid="menu-timeout"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-testid="advanced-save"]').attributes('disabled')).toBeDefined();
  });
});
