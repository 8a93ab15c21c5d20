// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeApi, image } from '../../test/support/renderer/fake-api.ts';
import { mountWithApi, settle } from '../../test/support/renderer/mount-app.ts';
import ImageCard from './ImageCard.vue';

describe('an image card', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the detected system, recipe, firmware and RAM of the default plan', () => {
    const img = image('debian', {
      distro: 'Debian 12.8 "bookworm"', recipe: 'debian-installer', selectedPlan: 'http',
      plans: [
        { id: 'http', recipe: 'debian-installer', title: 'Install over HTTP', via: 'http', initrds: ['initrd.gz'], firmware: ['bios', 'uefi'], minRamMiB: 512 },
        { id: 'sanboot', recipe: 'debian-installer', title: 'Whole ISO', via: 'sanboot', initrds: [], firmware: ['bios'], minRamMiB: 2048 },
      ],
    });
    const wrapper = mountWithApi(ImageCard, createFakeApi(), { props: { image: img } });
    expect(wrapper.find('[data-testid="image-distro"]').text()).toBe('Debian 12.8 "bookworm"');
    expect(wrapper.find('[data-testid="image-recipe"]').text()).toBe('debian-installer');
    expect(wrapper.find('[data-testid="image-status"]').text()).toContain('Ready to boot');
    expect(wrapper.find('[data-testid="image-ram"]').text()).toBe('≥ 512 MiB');
    expect(wrapper.findAll('.facts [data-firmware]').map((b) => b.text())).toEqual(['BIOS', 'UEFI']);
  });

  it('says plainly why an image cannot boot', () => {
    const img = image('win', { plans: [{ id: 'none', recipe: 'fallback', title: 'Windows installer', via: 'none', initrds: [], firmware: [], unbootableReason: 'Windows installers need WDS, not a Linux boot recipe.' }] });
    const wrapper = mountWithApi(ImageCard, createFakeApi(), { props: { image: img } });
    expect(wrapper.find('[data-testid="image-status"]').text()).toContain('Cannot boot');
    expect(wrapper.find('[data-testid="image-error"]').text()).toBe('Windows installers need WDS, not a Linux boot recipe.');
  });

  it('shows a Windows image as not bootable until a wimboot is supplied, with what to do', () => {
    const reason = "Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at /data/wimboot, or pass --wimboot PATH";
    const img = image('win', {
      distro: 'Windows PE', recipe: 'windows', selectedPlan: 'wimboot',
      plans: [{ id: 'wimboot', recipe: 'windows', title: 'Windows PE (wimboot)', via: 'wimboot', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: reason }],
    });
    const wrapper = mountWithApi(ImageCard, createFakeApi(), { props: { image: img } });
    expect(wrapper.find('[data-testid="image-status"]').text()).toContain('Cannot boot');
    expect(wrapper.find('[data-testid="image-error"]').text()).toBe(reason);
    expect(wrapper.find('[data-plan="wimboot"] .plan-why').text()).toBe(reason);

    const ready = mountWithApi(ImageCard, createFakeApi(), { props: { image: { ...img, plans: [{ ...img.plans[0]!, unbootableReason: undefined }] } } });
    expect(ready.find('[data-testid="image-status"]').text()).toContain('Ready to boot');
  });

  it('makes another plan the default through the engine', async () => {
    const api = createFakeApi();
    const img = image('arch', {
      selectedPlan: 'http',
      plans: [
        { id: 'http', recipe: 'archiso', title: 'HTTP', via: 'http', initrds: [], firmware: ['uefi'] },
        { id: 'nbd', recipe: 'archiso', title: 'NBD', via: 'nbd', initrds: [], firmware: ['uefi'] },
      ],
    });
    api.handlers['images.selectPlan'] = ({ planId }) => ({ ...img, selectedPlan: planId });
    const wrapper = mountWithApi(ImageCard, api, { props: { image: img } });
    await wrapper.find('[data-plan="nbd"] button').trigger('click');
    await settle();
    expect(api.calls.at(-1)).toEqual({ method: 'images.selectPlan', arg: { id: 'arch', planId: 'nbd' } });
  });
});
