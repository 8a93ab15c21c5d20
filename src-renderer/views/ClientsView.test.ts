// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '@shared/timeline-event.ts';
import { testEvent } from '../../test/support/timeline-events.ts';
import { client, createFakeApi, type FakeApi } from '../../test/support/renderer/fake-api.ts';
import { mountWithApi, settle } from '../../test/support/renderer/mount-app.ts';
import { useClientsStore } from '../stores/clients.ts';
import ClientsView from './ClientsView.vue';

const MAC = '52:54:00:12:34:56';
const T0 = '2026-11-26T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe('the machines screen', () => {
  let api: FakeApi;
  beforeEach(() => {
    api = createFakeApi();
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function mountHydrated() {
    const wrapper = mountWithApi(ClientsView, api);
    await useClientsStore().hydrate();
    await settle();
    return wrapper;
  }

  it('explains what to do while no machine has shown up', async () => {
    const wrapper = await mountHydrated();
    expect(wrapper.find('[data-testid="clients-empty"]').text()).toContain('Start the server');
  });

  it('lets the technician flip a UEFI machine to Secure Boot in its row', async () => {
    api.handlers['clients.setSecureBoot'] = ({ mac, secureBoot }: { mac: string; secureBoot: boolean }) => client(mac, { secureBoot });
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC, { firmware: 'uefi' }));
    api.emit('clients.updated', client('52:54:00:00:00:09', { firmware: 'bios' }));
    await settle();
    expect(wrapper.find('[data-mac="52:54:00:00:00:09"] [data-testid="client-secure-boot"]').exists()).toBe(false);
    const toggle = wrapper.find(`[data-mac="${MAC}"] [data-testid="client-secure-boot"]`);
    expect(toggle.attributes('aria-pressed')).toBe('false');
    await toggle.trigger('click');
    await settle();
    expect(api.calls.find((c) => c.method === 'clients.setSecureBoot')?.arg).toEqual({ mac: MAC, secureBoot: true });
    expect(wrapper.find(`[data-mac="${MAC}"] [data-testid="client-secure-boot"]`).attributes('aria-pressed')).toBe('true');
    expect(useClientsStore().selectedMac).toBeNull(); // the flip does not open the row
  });

  it('adds a row the moment the engine reports a new machine, and updates it live', async () => {
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC, { vendor: 'QEMU', ip: '198.18.0.50', stage: 'dhcp' }));
    await settle();
    const row = wrapper.find(`[data-mac="${MAC}"]`);
    expect(row.text()).toContain('QEMU');
    expect(row.text()).toContain('198.18.0.50');
    expect(row.find('[data-testid="client-stage"]').text()).toBe('Getting address');

    api.emit('clients.updated', client(MAC, { stage: 'kernel', lastSeen: at(5000), progress: { protocol: 'http', path: '/img/debian/linux', bytes: 6_000_000, total: 8_000_000, bytesPerSecond: 11_500_000 } }));
    await settle();
    const updated = wrapper.find(`[data-mac="${MAC}"]`);
    expect(updated.find('[data-testid="client-stage"]').text()).toBe('Loading kernel');
    expect(updated.find('[data-testid="client-progress"]').text()).toContain('75%');
    expect(updated.find('[data-testid="client-progress"]').text()).toContain('linux');
    expect(updated.find('[data-testid="client-speed"]').text()).toBe('11.5 MB/s');
    expect(wrapper.findAll('[data-testid="client-row"]')).toHaveLength(1);

    api.emit('clients.updated', client(MAC, { stage: 'kernel', lastSeen: at(6000), progress: { protocol: 'http', path: '/img/debian/linux', bytes: 8_000_000, total: 8_000_000, bytesPerSecond: 11_500_000 } }));
    await settle();
    // Finished: the last measured rate is not a current speed.
    expect(wrapper.find('[data-testid="client-speed"]').text()).toBe('–');
    expect(wrapper.find('[data-testid="client-progress"]').text()).toContain('100%');
  });

  it('drops the row of a machine the engine evicted to keep its list bounded', async () => {
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC, { stage: 'dhcp' }));
    api.emit('clients.updated', client('52:54:00:00:00:02', { stage: 'dhcp' }));
    await settle();
    api.emit('clients.removed', { mac: MAC });
    await settle();
    expect(wrapper.find(`[data-mac="${MAC}"]`).exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="client-row"]')).toHaveLength(1);
  });

  it('ignores a snapshot older than an update that overtook it', async () => {
    api.handlers['clients.list'] = () => [client(MAC, { stage: 'dhcp', lastSeen: at(1000) })];
    const wrapper = mountWithApi(ClientsView, api);
    api.emit('clients.updated', client(MAC, { stage: 'ipxe', lastSeen: at(4000) }));
    await useClientsStore().hydrate();
    await settle();
    expect(wrapper.find('[data-testid="client-stage"]').text()).toBe('iPXE menu');
  });

  it('marks a stuck machine with the stage it reached and the engine’s hint', async () => {
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC, { stage: 'stalled', lastStage: 'firstStage', stalledCode: 'no-ipxe-after-loader', stalledHint: 'Secure Boot may be rejecting the unsigned iPXE loader.' }));
    await settle();
    const hint = wrapper.find('[data-testid="client-stalled-hint"]');
    expect(hint.text()).toContain('Stuck at: Loading boot loader');
    expect(hint.text()).toContain('Secure Boot may be rejecting');
    expect(wrapper.find('h1').text()).toContain('1 stuck');
  });

  it('keeps rows in the order machines first appeared', async () => {
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client('52:54:00:00:00:02', { firstSeen: at(2000), lastSeen: at(2000) }));
    api.emit('clients.updated', client('52:54:00:00:00:01', { firstSeen: at(1000), lastSeen: at(1000) }));
    api.emit('clients.updated', client('52:54:00:00:00:02', { firstSeen: at(2000), lastSeen: at(9000), stage: 'ipxe' }));
    await settle();
    expect(wrapper.findAll('[data-testid="client-row"]').map((r) => r.attributes('data-mac'))).toEqual(['52:54:00:00:00:01', '52:54:00:00:00:02']);
  });

  it('opens a timeline of the clicked machine with times relative to its first packet, growing live', async () => {
    const history: TimelineEvent[] = [
      testEvent('dhcp.discover', { client: MAC, arch: 7 }, T0),
      testEvent('dhcp.offer', { client: MAC, ip: '198.18.0.50' }, at(40)),
    ];
    api.handlers['clients.get'] = () => ({ ...client(MAC, { firstSeen: T0 }), events: history });
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC, { firstSeen: T0 }));
    await settle();
    await wrapper.find(`[data-mac="${MAC}"]`).trigger('click');
    await settle();
    const timeline = wrapper.find('[data-testid="client-timeline"]');
    const items = () => wrapper.findAll('[data-testid="timeline-events"] li');
    expect(items().map((li) => li.attributes('data-kind'))).toEqual(['dhcp.discover', 'dhcp.offer']);
    expect(items()[1]!.text()).toContain('+0.04 s');
    expect(timeline.text()).toContain('Offered an address');

    api.emit('timeline.event', { ts: at(1500), kind: 'tftp.start', client: MAC, path: 'ipxe.efi' });
    api.emit('timeline.event', { ts: at(1600), kind: 'tftp.start', client: '52:54:00:99:99:99', path: 'other.efi' });
    api.emit('timeline.event', { ts: at(1700), kind: 'tftp.progress', client: MAC, path: 'ipxe.efi', bytes: 100_000, total: 1_000_000 });
    api.emit('timeline.event', { ts: at(1800), kind: 'tftp.progress', client: MAC, path: 'ipxe.efi', bytes: 500_000, total: 1_000_000 });
    await settle();
    expect(items().map((li) => li.attributes('data-kind'))).toEqual(['dhcp.discover', 'dhcp.offer', 'tftp.start', 'tftp.progress']);
    // Progress of one transfer is folded into one row showing the latest figures.
    expect(items()[3]!.text()).toContain('50%');
    expect(items()[2]!.text()).toContain('+1.50 s');
  });

  it('words a stall on the timeline in Japanese from its code and parameters', async () => {
    api.handlers['clients.get'] = () => ({
      ...client(MAC, { firstSeen: T0, stage: 'stalled', lastStage: 'kernel' }),
      events: [{ ts: at(30_000), kind: 'client.stalled', client: MAC, code: 'transfer-stalled', hint: 'The download of /linux stopped at 37 % 10 s ago.', params: { path: '/linux', percent: 37, seconds: 10 }, lastStage: 'kernel', source: 'timeline' }],
    });
    const wrapper = await mountHydrated();
    const { useUiStore } = await import('../stores/ui.ts');
    useUiStore().locale = 'ja';
    api.emit('clients.updated', client(MAC, { firstSeen: T0, stage: 'stalled', lastStage: 'kernel' }));
    useClientsStore().select(MAC);
    await settle();
    const stalled = wrapper.find('[data-kind="client.stalled"]');
    expect(stalled.text()).toContain('37% で止まっています');
    expect(stalled.text()).toContain('+30.0 s');
  });

  it('stops listening to the timeline when the panel closes', async () => {
    const wrapper = await mountHydrated();
    api.emit('clients.updated', client(MAC));
    await settle();
    const base = api.listenerCount('timeline.event');
    await wrapper.find(`[data-mac="${MAC}"]`).trigger('click');
    await settle();
    expect(api.listenerCount('timeline.event')).toBe(base + 1);
    await wrapper.find('[data-testid="client-timeline"] .close').trigger('click');
    await settle();
    expect(api.listenerCount('timeline.event')).toBe(base);
  });

  it('words a stuck row in Japanese with the figures its summary carries', async () => {
    const wrapper = await mountHydrated();
    const { useUiStore } = await import('../stores/ui.ts');
    useUiStore().locale = 'ja';
    api.emit('clients.updated', client(MAC, { stage: 'stalled', lastStage: 'live', stalledCode: 'transfer-stalled', stalledHint: 'The download of /images/arch/airootfs.sfs stopped at 37 % 20 s ago.', stalledParams: { path: '/images/arch/airootfs.sfs', percent: 37, seconds: 20 } }));
    await settle();
    const hint = wrapper.find('[data-testid="client-stalled-hint"]').text();
    expect(hint).toContain('停滞した段階：システム稼働中');
    expect(hint).toContain('37% で止まっています（20 秒間）');
  });
});
