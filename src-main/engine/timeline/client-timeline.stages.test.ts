import { describe, expect, it } from 'vitest';
import { timelineKit } from '../../../test/support/timeline-kit.ts';

describe('ClientTimeline stages', () => {
  it('follows a BIOS PXE client through every stage to done', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: false, arch: 0 }, 5);
    expect(k.stage()).toBe('dhcp');
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 900);
    k.feed('dhcp.request', { pxe: true, ipxe: false }, 5);
    k.feed('dhcp.ack', { ip: '198.18.0.50' }, 50);
    expect(k.stage()).toBe('dhcp');
    k.feed('tftp.start', { ip: '198.18.0.50', path: '/undionly.kpxe' }, 300);
    expect(k.stage()).toBe('firstStage');
    k.feed('tftp.done', { ip: '198.18.0.50', path: '/undionly.kpxe', bytes: 70_000 }, 10);
    expect(k.stage()).toBe('firstStage');
    k.feed('dhcp.discover', { pxe: true, ipxe: true }, 5);
    expect(k.stage()).toBe('ipxe');
    k.feed('dhcp.offer', { ip: '198.18.0.50', ipxe: true }, 100);
    k.feed('http.start', { ip: '198.18.0.50', path: '/boot.ipxe' }, 5);
    k.feed('boot.script', { ip: '198.18.0.50', image: 'arch.iso', via: 'http' });
    k.feed('http.done', { ip: '198.18.0.50', path: '/boot.ipxe', bytes: 700 }, 100);
    expect(k.stage()).toBe('ipxe');
    k.kernelAndInitrd();
    expect(k.stage()).toBe('kernel');
    k.feed('http.start', { ip: '198.18.0.50', path: '/images/arch/arch/x86_64/airootfs.sfs', total: 800_000_000 }, 1000);
    expect(k.stage()).toBe('live');
    k.feed('http.done', { ip: '198.18.0.50', path: '/images/arch/arch/x86_64/airootfs.sfs', bytes: 800_000_000, durationMs: 8000 });
    expect(k.stage()).toBe('live');
    k.clock.advance(k.timeline.thresholds.doneQuietMs - 1);
    expect(k.stage()).toBe('live');
    k.clock.advance(1);
    expect(k.stage()).toBe('done');
    expect(k.dones).toHaveLength(1);
    expect(k.stalls).toHaveLength(0);
    const detail = k.timeline.get(k.MAC)!;
    expect(detail).toMatchObject({ ip: '198.18.0.50', firmware: 'bios', arch: 'x86', ipxe: false, image: 'arch.iso', vendor: 'QEMU/KVM' });
    expect(detail.events.at(-1)).toMatchObject({ kind: 'client.done', client: k.MAC, source: 'timeline' });
  });

  it('marks a client whose firmware is iPXE itself as native iPXE, with no first stage', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true, arch: 0 }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.51', ipxe: true }, 100);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'dhcp', ipxe: true });
    k.feed('http.start', { ip: '198.18.0.51', path: '/boot.ipxe' });
    expect(k.stage()).toBe('ipxe');
    expect(k.timeline.get(k.MAC)!.ipxe).toBe(true);
  });

  it('keeps the chained client marked as not native iPXE after iPXE takes over', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'ipxe', ipxe: false });
  });

  it('treats an HTTP request after the loader as iPXE calling back, even without its DHCP', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.feed('http.start', { ip: '198.18.0.50', path: '/something' });
    expect(k.stage()).toBe('ipxe');
  });

  it('never moves the stage back when the booted system does DHCP again', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.feed('dhcp.discover', { pxe: false, vendorClass: 'udhcp 1.36.1' }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.50' });
    expect(k.stage()).toBe('kernel');
  });

  it('starts a new attempt when PXE firmware discovers again after the boot moved on', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.feed('nbd.connect', { ip: '198.18.0.50', export: 'arch' }, 1000);
    expect(k.stage()).toBe('live');
    k.feed('dhcp.discover', { vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });
    expect(k.stage()).toBe('dhcp');
    // iPXE's own second DHCP while in the ipxe stage is not a restart.
    k.feed('dhcp.offer', { ip: '198.18.0.50' });
    k.feed('tftp.start', { path: '/undionly.kpxe' });
    k.feed('tftp.done', { path: '/undionly.kpxe' });
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: '/boot.ipxe' });
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    expect(k.stage()).toBe('ipxe');
  });

  it('uses the event role when the engine gives it, over the file name', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: '/images/x/casper/hwe-thing', role: 'kernel' });
    expect(k.stage()).toBe('kernel');
    k.feed('http.start', { path: '/images/x/whatever.bin', role: 'rootfs' });
    expect(k.stage()).toBe('live');
  });

  it('counts a whole-ISO fetch as the kernel stage before a kernel (sanboot) and as live after one', () => {
    const a = timelineKit();
    a.feed('dhcp.discover', { pxe: true, ipxe: true });
    a.feed('http.start', { path: '/images/x/small.iso', range: 'bytes=0-2047' });
    expect(a.stage()).toBe('kernel');
    const b = timelineKit();
    b.feed('dhcp.discover', { pxe: true, ipxe: true });
    b.feed('http.start', { path: '/images/x/casper/vmlinuz' });
    b.feed('http.done', { path: '/images/x/casper/vmlinuz' });
    b.feed('http.start', { path: '/images/x/ubuntu.iso' });
    expect(b.stage()).toBe('live');
  });

  it('takes an explicit client.done', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.feed('client.done', { reason: 'beacon' });
    expect(k.stage()).toBe('done');
    k.clock.advance(10 * 60_000);
    expect(k.stalls).toHaveLength(0);
    expect(k.clock.pendingTimers).toBe(0);
  });

  it('reads architecture and firmware from option 93, the PXE vendor class and iPXE parameters', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, arch: 7 });
    expect(k.timeline.get(k.MAC)).toMatchObject({ arch: 'x86_64', firmware: 'uefi' });

    const v = timelineKit();
    // The classifier reads the code from the vendor class when option 93 is missing.
    v.feed('dhcp.discover', { arch: 11, vendorClass: 'PXEClient:Arch:00011:UNDI:003000' });
    expect(v.timeline.get(v.MAC)).toMatchObject({ arch: 'arm64', firmware: 'uefi' });

    const q = timelineKit();
    q.feed('http.start', { path: '/boot.ipxe', query: { mac: '52-54-00-12-34-56', arch: 'x86_64', platform: 'efi' } });
    expect(q.timeline.get(q.MAC)).toMatchObject({ arch: 'x86_64', firmware: 'uefi' });
  });
});
