// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogEntry } from '@shared/api.ts';
import { createFakeApi } from '../../test/support/renderer/fake-api.ts';
import { mountWithApi, settle } from '../../test/support/renderer/mount-app.ts';
import { useLogStore } from '../stores/log.ts';
import LogView from './LogView.vue';

const entries: LogEntry[] = [
  { ts: '2026-11-26T10:00:00.000Z', level: 'info', source: 'dhcp', message: 'proxy offer: ipxe.efi', client: '52:54:00:12:34:56' },
  { ts: '2026-11-26T10:00:01.000Z', level: 'warn', source: 'timeline', message: 'stalled: no iPXE request', client: '00:1e:67:9a:0b:11' },
  { ts: '2026-11-26T10:00:02.000Z', level: 'error', source: 'tftp', message: 'file not found: pxelinux.0' },
];

describe('the log screen', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    vi.restoreAllMocks();
  });

  async function mountWith(list: LogEntry[]) {
    const api = createFakeApi();
    api.handlers['log.recent'] = () => list;
    const wrapper = mountWithApi(LogView, api);
    await useLogStore().hydrate();
    await settle();
    return { api, wrapper };
  }

  const lines = (wrapper: Awaited<ReturnType<typeof mountWith>>['wrapper']) => wrapper.findAll('[data-testid="log-entries"] li').map((li) => li.text());

  it('shows the newest entry first and appends live entries', async () => {
    const { api, wrapper } = await mountWith(entries);
    expect(lines(wrapper)[0]).toContain('file not found');
    api.emit('log.entry', { ts: '2026-11-26T10:00:03.000Z', level: 'info', source: 'http', message: 'GET /boot.ipxe 200' });
    await settle();
    expect(lines(wrapper)[0]).toContain('GET /boot.ipxe 200');
    expect(lines(wrapper)).toHaveLength(4);
  });

  it('filters by text (message, source or MAC) and by level', async () => {
    const { wrapper } = await mountWith(entries);
    await wrapper.find('[data-testid="log-filter"]').setValue('00:1e:67');
    expect(lines(wrapper)).toHaveLength(1);
    expect(lines(wrapper)[0]).toContain('stalled');
    await wrapper.find('[data-testid="log-filter"]').setValue('');
    await wrapper.find('.level-info input').setValue(false);
    expect(lines(wrapper).some((l) => l.includes('proxy offer'))).toBe(false);
    expect(lines(wrapper)).toHaveLength(2);
  });

  it('exports the engine’s full session log as a JSON-lines download', async () => {
    const { api, wrapper } = await mountWith(entries);
    api.handlers['log.export'] = () => '{"kind":"dhcp.discover"}\n';
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob);
      return 'blob:bootcast-test';
    });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    await wrapper.find('[data-testid="log-export"]').trigger('click');
    await settle();
    expect(await created[0]!.text()).toBe('{"kind":"dhcp.discover"}\n');
    expect(clicked[0]).toMatch(/^bootcast-.*\.jsonl$/);
  });

  it('exports the redacted diagnostics report as a text download, and offers the logs folder only where the host has one', async () => {
    const { api, wrapper } = await mountWith(entries);
    api.handlers['diagnostics.export'] = () => '# Bootcast diagnostics\n';
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob);
      return 'blob:bootcast-test';
    });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    expect(wrapper.find('[data-testid="log-open-folder"]').exists()).toBe(false); // the web host has no folder to open
    await wrapper.find('[data-testid="log-diagnostics"]').trigger('click');
    await settle();
    expect(await created[0]!.text()).toBe('# Bootcast diagnostics\n');
    expect(clicked[0]).toMatch(/^bootcast-diagnostics-.*\.txt$/);
  });
});
