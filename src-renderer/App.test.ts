// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from './App.vue';
import { createFakeApi, image, type FakeApi } from '../test/support/renderer/fake-api.ts';
import { mountWithApi, settle } from '../test/support/renderer/mount-app.ts';

function dropFiles(files: File[]): void {
  // happy-dom has no DataTransfer constructor that accepts files; a plain object with the fields the handler reads does.
  const dataTransfer = { types: ['Files'], files, dropEffect: 'none' };
  for (const type of ['dragenter', 'drop']) {
    const e = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(e, 'dataTransfer', { value: dataTransfer });
    window.dispatchEvent(e);
  }
}

describe('the app shell', () => {
  let api: FakeApi;
  beforeEach(() => {
    localStorage.clear();
    api = createFakeApi();
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('reads the whole state once connected and lists the images the engine has', async () => {
    api.handlers['images.list'] = () => [image('debian', { distro: 'Debian 12.8', recipe: 'debian-installer' })];
    const wrapper = mountWithApi(App, api);
    await settle();
    const read = api.calls.map((c) => c.method);
    for (const m of ['images.list', 'server.state', 'server.settings', 'network.interfaces', 'clients.list', 'nat.state', 'log.recent']) expect(read).toContain(m);
    expect(wrapper.find('[data-testid="image-debian"]').text()).toContain('Debian 12.8');
    wrapper.unmount();
  });

  it('re-reads the state after the connection comes back, and shows that it is reconnecting meanwhile', async () => {
    const wrapper = mountWithApi(App, api);
    await settle();
    const before = api.calls.filter((c) => c.method === 'clients.list').length;
    api.setStatus('connecting');
    await settle();
    expect(wrapper.find('[data-testid="connection-banner"]').exists()).toBe(true);
    api.handlers['images.list'] = () => [image('arch')];
    api.setStatus('open');
    await settle();
    expect(api.calls.filter((c) => c.method === 'clients.list').length).toBe(before + 1);
    expect(wrapper.find('[data-testid="connection-banner"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="image-arch"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('adds files dropped anywhere on the Electron window by their local paths', async () => {
    api = createFakeApi({ transport: 'electron' });
    api.handlers['images.add'] = ({ paths }) => paths.map((p) => image(p.split('/').pop()!.replace('.iso', ''), { path: p }));
    const wrapper = mountWithApi(App, api);
    await settle();
    await wrapper.find('[data-testid="nav-log"]').trigger('click');
    dropFiles([new File(['x'], 'debian.iso'), new File(['y'], 'arch.iso')]);
    await settle();
    const adds = api.calls.filter((c) => c.method === 'images.add').map((c) => c.arg);
    expect(adds).toEqual([{ paths: ['/home/tech/debian.iso'] }, { paths: ['/home/tech/arch.iso'] }]);
    // The drop brought the technician to the library, where the new images show.
    expect(wrapper.find('[data-testid="image-debian"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="image-arch"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('uploads files dropped on the headless UI and adds them by their path on the server', async () => {
    api.handlers['images.add'] = ({ paths }) => paths.map((p) => image('up', { path: p }));
    const wrapper = mountWithApi(App, api);
    await settle();
    dropFiles([new File(['iso'], 'tiny.iso')]);
    await settle();
    expect(api.calls.find((c) => c.method === 'images.add')?.arg).toEqual({ paths: ['/srv/uploads/tiny.iso'] });
    wrapper.unmount();
  });

  it('keeps a failed add on screen with the engine’s reason until dismissed', async () => {
    api.handlers['images.add'] = () => {
      throw new Error('not an ISO 9660 image: no primary volume descriptor at sector 16');
    };
    const wrapper = mountWithApi(App, api);
    await settle();
    await wrapper.find('[data-testid="path-input"]').setValue('/tmp/notes.txt');
    await wrapper.find('form').trigger('submit');
    await settle();
    const pending = wrapper.find('[data-testid="pending-image"]');
    expect(pending.text()).toContain('notes.txt');
    expect(pending.text()).toContain('no primary volume descriptor');
    await pending.find('button').trigger('click');
    expect(wrapper.find('[data-testid="pending-image"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('switches the whole interface to Japanese and remembers the choice', async () => {
    const wrapper = mountWithApi(App, api);
    await settle();
    expect(wrapper.find('[data-testid="nav-images"]').text()).toContain('Images');
    await wrapper.find('[data-testid="language"] [data-value="ja"]').trigger('click');
    expect(wrapper.find('[data-testid="nav-images"]').text()).toContain('イメージ');
    expect(wrapper.find('[data-testid="start-stop"]').text()).toContain('開始');
    expect(document.documentElement.lang).toBe('ja');
    expect(localStorage.getItem('bootcast.locale')).toBe('ja');
    wrapper.unmount();
  });

  it('applies the chosen theme to the document', async () => {
    const wrapper = mountWithApi(App, api);
    await settle();
    await wrapper.find('[data-testid="theme"] [data-value="dark"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('dark');
    await wrapper.find('[data-testid="theme"] [data-value="light"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('light');
    wrapper.unmount();
  });

  it('tells the user to reopen the printed URL when the token is refused', async () => {
    const wrapper = mountWithApi(App, api);
    await settle();
    api.setStatus('unauthorized');
    await settle();
    expect(wrapper.find('[data-testid="connection-banner"]').text()).toContain('bootcast serve');
    wrapper.unmount();
  });

  it('puts the number of stuck machines in the window title', async () => {
    const wrapper = mountWithApi(App, api);
    await settle();
    api.emit('clients.updated', { mac: '52:54:00:00:00:01', firmware: 'bios', ipxe: false, stage: 'stalled', lastStage: 'dhcp', firstSeen: '2026-11-26T10:00:00Z', lastSeen: '2026-11-26T10:00:10Z', eventCount: 3 });
    await settle();
    expect(document.title).toBe('⚠ 1 stuck — Bootcast');
    wrapper.unmount();
  });

  it('shows upload progress for a file picked in the headless UI, then the detected image', async () => {
    let finish!: (path: string) => void;
    let report!: (p: { loaded: number; total: number }) => void;
    api.upload = (_file, onProgress) => {
      report = (p) => onProgress?.(p);
      return new Promise((resolve) => (finish = resolve));
    };
    api.handlers['images.add'] = ({ paths }) => [image('picked', { path: paths[0]!, distro: 'Fedora 41' })];
    const wrapper = mountWithApi(App, api);
    await settle();
    const input = wrapper.find('[data-testid="file-input"]');
    Object.defineProperty(input.element, 'files', { value: [new File(['x'.repeat(10)], 'fedora.iso')], configurable: true });
    await input.trigger('change');
    report({ loaded: 5, total: 10 });
    await settle();
    expect(wrapper.find('[data-testid="pending-image"]').text()).toBe('Uploading fedora.iso… 50%');
    finish('/srv/uploads/fedora.iso');
    await settle();
    expect(api.calls.find((c) => c.method === 'images.add')?.arg).toEqual({ paths: ['/srv/uploads/fedora.iso'] });
    expect(wrapper.find('[data-testid="pending-image"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="image-picked"]').text()).toContain('Fedora 41');
    wrapper.unmount();
  });
});
