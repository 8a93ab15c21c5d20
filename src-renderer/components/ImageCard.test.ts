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

  it('says whether Secure Boot machines can boot the image, and why not', () => {
    const plans = [{ id: 'http', recipe: 'generic-linux', title: 'Live', via: 'http' as const, initrds: [], firmware: ['uefi' as const] }];
    const yes = mountWithApi(ImageCard, createFakeApi(), {
      props: { image: image('deb', { plans, secureBoot: { usable: true, reason: 'Debian chain', vendor: 'Debian Secure Boot CA' } }) },
    });
    expect(yes.find('[data-testid="image-secure-boot"]').text()).toContain('signed chain (Debian Secure Boot CA)');
    expect(yes.find('[data-testid="image-secure-boot-why"]').exists()).toBe(false);
    const no = mountWithApi(ImageCard, createFakeApi(), {
      props: { image: image('arch', { plans, secureBoot: { usable: false, reason: 'the kernel /k is not signed: shim refuses it' } }) },
    });
    expect(no.find('[data-testid="image-secure-boot"]').text()).toBe('cannot boot with Secure Boot on');
    expect(no.find('[data-testid="image-secure-boot-why"]').text()).toBe('the kernel /k is not signed: shim refuses it');
  });

  it('shows how far each plan is proven, and what is known not to work', () => {
    const img = image('netinst', {
      selectedPlan: 'http',
      plans: [
        { id: 'http', recipe: 'generic-linux/debian-installer-cd', title: 'Install', via: 'http', initrds: [], firmware: ['bios', 'uefi'], confidence: 'untested', limits: ['the CD initrd looks for the installation disc'] },
        { id: 'live', recipe: 'generic-linux/live-boot', title: 'Live', via: 'http', initrds: [], firmware: ['bios'], confidence: 'real-initramfs' },
      ],
    });
    const wrapper = mountWithApi(ImageCard, createFakeApi(), { props: { image: img } });
    const plans = wrapper.findAll('[data-plan]');
    expect(plans[0]!.find('[data-confidence]').text()).toBe('Untested recipe');
    expect(plans[0]!.find('.plan-limits').text()).toBe('the CD initrd looks for the installation disc');
    expect(plans[1]!.find('[data-confidence]').text()).toBe('Proven: booted here from the real initramfs');
    expect(plans[1]!.find('.plan-limits').exists()).toBe(false);
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
