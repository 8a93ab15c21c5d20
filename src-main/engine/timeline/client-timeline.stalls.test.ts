import { describe, expect, it } from 'vitest';
import { timelineKit } from '../../../test/support/timeline-kit.ts';

describe('ClientTimeline stall diagnosis', () => {
  it('calls a client stalled when no TFTP request follows our DHCP answer within 10 s', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: false, arch: 7 }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 900);
    k.feed('dhcp.request', { pxe: true }, 5);
    k.feed('dhcp.ack', { ip: '198.18.0.50' });
    // The offer went out at +5 ms, the ack at +910 ms: the 10 s count from the first answer.
    k.clock.advance(10_000 - 905 - 1);
    expect(k.stage()).toBe('dhcp');
    k.clock.advance(1);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'dhcp', stalledCode: 'no-tftp-after-offer' });
    expect(c.stalledHint).toMatch(/firewall/);
    expect(c.stalledHint).toMatch(/Secure Boot/);
    expect(k.stalls).toHaveLength(1);
    expect(k.stalls[0]!.event).toMatchObject({ kind: 'client.stalled', client: k.MAC, code: 'no-tftp-after-offer', lastStage: 'dhcp' });
    expect(c.events.at(-1)).toBe(k.stalls[0]!.event);
    // The stall notification goes out at once, not rate-limited.
    expect(k.updates.at(-1)).toMatchObject({ stage: 'stalled', stalledCode: 'no-tftp-after-offer' });
  });

  it('clears the stall when the awaited step finally comes', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 12_000);
    expect(k.stage()).toBe('stalled');
    k.feed('tftp.start', { path: '/ipxe.efi' });
    const c = k.timeline.get(k.MAC)!;
    expect(c.stage).toBe('firstStage');
    expect(c.stalledCode).toBeUndefined();
    expect(c.stalledHint).toBeUndefined();
    expect(c.lastStage).toBeUndefined();
  });

  it('says the offer was not accepted when the client keeps discovering without requesting', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 4000);
    k.feed('dhcp.discover', { pxe: true }, 5);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 3000);
    expect(k.stage()).toBe('dhcp');
    k.clock.advance(10_000 - 7005);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', stalledCode: 'offer-not-accepted' });
    expect(c.stalledHint).toMatch(/another DHCP server|DHCP mode/i);
  });

  it('gives the not-accepted verdict at once on the third repeated discover', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 1000);
    k.feed('dhcp.discover', { pxe: true }, 1000);
    k.feed('dhcp.discover', { pxe: true }, 1000);
    expect(k.stage()).toBe('dhcp');
    k.feed('dhcp.discover', { pxe: true });
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'offer-not-accepted' });
  });

  it('keeps the TFTP verdict when the client did request after our offer', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 1000);
    k.feed('dhcp.request', { pxe: true }, 1);
    k.feed('dhcp.ack', { ip: '198.18.0.50' }, 5000);
    // Firmware retrying from the start after a failed TFTP attempt.
    k.feed('dhcp.discover', { pxe: true }, 5000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'no-tftp-after-offer' });
  });

  it('expects iPXE to fetch its script after our answer, not TFTP, allowing for its IPv6 wait', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50', ipxe: true }, 29_999);
    expect(k.stage()).toBe('dhcp');
    k.clock.advance(1);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'no-script-after-offer', stalledParams: { seconds: 30 } });
  });

  it('suspects Secure Boot or a wrong loader when iPXE does not call back within 15 s of the loader', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.clock.advance(15_000 - 10 - 1);
    expect(k.stage()).toBe('firstStage');
    k.clock.advance(1);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'firstStage', stalledCode: 'no-ipxe-after-loader' });
    expect(c.stalledHint).toMatch(/Secure Boot/);
    expect(c.stalledHint).toMatch(/BIOS vs UEFI/);
    expect(c.stalledHint).toContain('/undionly.kpxe');
  });

  it('stays stalled, without flapping, while firmware loops on a loader it rejects', () => {
    const k = timelineKit();
    k.pxeToLoader();
    let stageChanges = 0;
    let last = k.stage();
    k.timeline.events.on('updated', (s) => {
      if (s.stage !== last) stageChanges++;
      last = s.stage;
    });
    for (let i = 0; i < 10; i++) {
      k.feed('dhcp.discover', { pxe: true, ipxe: false }, 5);
      k.feed('dhcp.offer', { ip: '198.18.0.50' }, 900);
      k.feed('dhcp.request', { pxe: true, ipxe: false }, 5);
      k.feed('dhcp.ack', { ip: '198.18.0.50' }, 50);
      k.feed('tftp.start', { path: '/undionly.kpxe' }, 300);
      k.feed('tftp.done', { path: '/undionly.kpxe', bytes: 70_000 }, 3000);
    }
    // Asking DHCP again after a whole loader, never running it, is the firmware refusing it.
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'loader-refused' });
    expect(stageChanges).toBe(1);
    expect(k.stalls).toHaveLength(1);
  });

  it('calls a loader refused at once when the firmware asks DHCP again without running it, and lets go when another loader comes', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.feed('dhcp.discover', { pxe: true, ipxe: false }, 2000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'loader-refused' });
    expect(k.stalls.at(-1)?.hint.text).toMatch(/Secure Boot/);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 900);
    k.feed('tftp.start', { path: '/secureboot/debian/shimx64.efi' }, 300);
    expect(k.timeline.get(k.MAC)?.stage).toBe('firstStage');
  });

  it('waits for the menu timeout before expecting a kernel after the script', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript({ menuTimeoutSec: 5 });
    // Script sent 100 ms ago; the verdict falls at script + 5 s menu + 20 s.
    k.clock.advance(25_000 - 100 - 1);
    expect(k.stage()).toBe('ipxe');
    k.clock.advance(1);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', lastStage: 'ipxe', stalledCode: 'no-kernel-after-script' });
  });

  it('reports the percentage where a download stopped for 20 s, and recovers when bytes move again', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.feed('http.start', { path: k.KERNEL, total: 1000 }, 500);
    k.feed('http.progress', { path: k.KERNEL, bytes: 370, total: 1000 }, 500);
    // Progress events without new bytes are not progress.
    k.feed('http.progress', { path: k.KERNEL, bytes: 370, total: 1000 });
    k.clock.advance(20_000 - 500 - 1);
    expect(k.stage()).toBe('kernel');
    k.clock.advance(1);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'kernel', stalledCode: 'transfer-stalled' });
    expect(c.stalledHint).toContain('37 %');
    expect(c.stalledHint).toMatch(/cable/);
    expect(c.stalledHint).toMatch(/out of memory/);
    expect(k.stalls[0]!.hint.params).toMatchObject({ percent: 37, path: k.KERNEL, seconds: 20 });
    k.feed('http.progress', { path: k.KERNEL, bytes: 500, total: 1000 });
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'kernel' });
  });

  it('applies the download rule to TFTP transfers too', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.offer', { ip: '198.18.0.50' });
    k.feed('tftp.start', { path: '/ipxe.efi', total: 1_000_000 }, 1000);
    k.feed('tftp.progress', { path: '/ipxe.efi', bytes: 500_000, total: 1_000_000 }, 20_000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', lastStage: 'firstStage', stalledCode: 'transfer-stalled' });
  });

  it('suspects the initramfs when kernel and initrd were sent but no root filesystem came in 60 s', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.clock.advance(60_000 - 5 - 1);
    expect(k.stage()).toBe('kernel');
    k.clock.advance(1);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'kernel', stalledCode: 'no-root-after-kernel' });
    expect(c.stalledHint).toMatch(/driver/);
    expect(c.stalledHint).toMatch(/command line/);
  });

  it('points at the boot URL instead when the booted system got an address', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.feed('dhcp.discover', { pxe: false }, 2000);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 60_000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'no-root-after-network' });
  });

  it('calls a client done after the kernel when its plan fetches nothing more', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript({ expectsLive: false });
    k.kernelAndInitrd();
    k.clock.advance(k.timeline.thresholds.doneQuietMs);
    expect(k.stage()).toBe('done');
    expect(k.stalls).toHaveLength(0);
  });

  it('calls a sanbooted client done once its reads of the ISO go quiet', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript({ via: 'sanboot' });
    for (let i = 0; i < 20; i++) {
      const range = `bytes=${i * 4096}-${i * 4096 + 4095}`;
      k.feed('http.start', { path: '/images/m/memtest.iso', range });
      k.feed('http.done', { path: '/images/m/memtest.iso', range, bytes: 4096, status: 206, outcome: 'complete' }, 50);
    }
    expect(k.stage()).toBe('kernel');
    k.clock.advance(k.timeline.thresholds.doneQuietMs);
    expect(k.stage()).toBe('done');
    expect(k.stalls).toHaveLength(0);
  });

  it('waits for a retry after a failed request, then says it failed', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.feed('http.error', { path: k.KERNEL, status: 404, error: 'not found' }, 15_000);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'ipxe', stalledCode: 'transfer-failed' });
    expect(c.stalledHint).toContain(k.KERNEL);
    expect(c.stalledHint).toContain('not found');
  });

  it('treats an HTTP done with an error status as a failure', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.feed('http.start', { path: k.KERNEL });
    k.feed('http.done', { path: k.KERNEL, status: 404 }, 15_000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'transfer-failed' });
    expect(k.timeline.get(k.MAC)!.stalledHint).toContain('HTTP 404');
  });

  it('treats a done whose outcome is not complete as a failure, with the server\'s reason', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 100);
    k.feed('tftp.start', { path: '/ipxe.efi', transferId: '7' }, 2000);
    k.feed('tftp.done', { path: '/ipxe.efi', transferId: '7', bytes: 65_536, outcome: 'timed-out', detail: 'no ACK after 5 retries' }, 15_000);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', lastStage: 'firstStage', stalledCode: 'transfer-failed' });
    expect(c.stalledHint).toContain('no ACK after 5 retries');
  });

  it('does not take a tsize probe followed by the real request for a sent loader', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 100);
    k.feed('tftp.start', { path: '/undionly.kpxe', transferId: '1' }, 2);
    k.feed('tftp.done', { path: '/undionly.kpxe', transferId: '1', bytes: 0, outcome: 'options-probe' }, 2);
    k.feed('tftp.start', { path: '/undionly.kpxe', transferId: '2' }, 300);
    // 20 s without the transfer finishing: its own stall, not "iPXE did not call back".
    k.clock.advance(20_000);
    expect(k.timeline.get(k.MAC)).toMatchObject({ stage: 'stalled', stalledCode: 'transfer-stalled' });
  });

  it('reports an NBD client asking for an export that does not exist', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript();
    k.kernelAndInitrd();
    k.feed('nbd.error', { export: 'no-such-image', error: 'unknown export' }, 15_000);
    const c = k.timeline.get(k.MAC)!;
    expect(c).toMatchObject({ stage: 'stalled', stalledCode: 'transfer-failed' });
    expect(c.stalledHint).toContain('nbd:no-such-image');
  });

  it('does not mind a TFTP error that the client follows with a new request (the tsize probe)', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1);
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 100);
    k.feed('tftp.start', { path: '/undionly.kpxe' }, 2);
    k.feed('tftp.error', { path: '/undionly.kpxe', error: 'client aborted after OACK' }, 2);
    k.feed('tftp.start', { path: '/undionly.kpxe' }, 300);
    k.feed('tftp.done', { path: '/undionly.kpxe', bytes: 70_000 }, 5);
    k.feed('dhcp.discover', { pxe: true, ipxe: true }, 14_000);
    expect(k.stage()).toBe('ipxe');
    expect(k.stalls).toHaveLength(0);
  });

  it('takes its thresholds from the options', () => {
    const k = timelineKit({ thresholds: { tftpAfterOfferMs: 3000 } });
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 2999);
    expect(k.stage()).toBe('dhcp');
    k.clock.advance(1);
    expect(k.stage()).toBe('stalled');
  });

  it('judges nothing for a client we never answered (DHCP off, or another server serving it)', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 10 * 60_000);
    expect(k.stage()).toBe('dhcp');
    expect(k.clock.pendingTimers).toBe(0);
  });
});
