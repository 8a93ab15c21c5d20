import { describe, expect, it } from 'vitest';
import { chooseFirstStageLoader } from '../boot/first-stage-loader.ts';
import { classifyClient } from '../pxe/client-class.ts';
import { chaddrOf, emptyPacket } from '../protocol/dhcp/packet.ts';
import { ascii } from '../../test/support/hex-bytes.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { LoaderAttempts } from './loader-attempts.ts';

const MAC = '52:54:00:12:34:56';
const ts = '2026-01-01T00:00:00.000Z';

function client(arch: number, vendorClass = `PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:003000`) {
  return classifyClient({ ...emptyPacket(1), chaddr: chaddrOf(MAC), options: new Map([[53, Uint8Array.of(1)], [93, Uint8Array.of(arch >> 8, arch & 255)], [60, ascii(vendorClass)]]) });
}

const discover = (ipxe = false, client = MAC): TimelineEvent => ({ ts, kind: 'dhcp.discover', client, pxe: true, ipxe, xid: 1, from: '0.0.0.0:68' });
const fetched = (path: string, outcome = 'complete', client = MAC): TimelineEvent => ({ ts, kind: 'tftp.done', client, path, outcome });
const script: TimelineEvent = { ts, kind: 'boot.script', client: MAC, images: [] };

function next(attempts: LoaderAttempts, arch = 7) {
  return chooseFirstStageLoader(client(arch), attempts.history(MAC));
}

describe('first-stage loader fallback per MAC', () => {
  it('offers ipxe.efi to an x86-64 UEFI client that fetched snponly.efi and came back without its boot script', () => {
    const a = new LoaderAttempts();
    expect(next(a).loader).toBe('snponly.efi');
    a.observe(fetched('snponly.efi'));
    a.observe(discover());
    expect(next(a)).toMatchObject({ loader: 'ipxe.efi', reason: /fetched snponly\.efi and asked again without loading its boot script/ });
  });

  it('keeps snponly.efi when iPXE from it asked DHCP and fetched the boot script', () => {
    const a = new LoaderAttempts();
    a.observe(fetched('snponly.efi'));
    a.observe(discover(true));
    a.observe(script);
    a.observe(discover());
    expect(next(a).loader).toBe('snponly.efi');
  });

  it('retries the same loader when its download did not complete', () => {
    const a = new LoaderAttempts();
    a.observe(fetched('/snponly.efi', 'timed-out'));
    a.observe(discover());
    expect(next(a).loader).toBe('snponly.efi');
  });

  it('stays on ipxe.efi once it reached the boot script, and goes back to snponly.efi if ipxe.efi got stuck too', () => {
    const a = new LoaderAttempts();
    a.observe(fetched('snponly.efi'));
    a.observe(discover());
    a.observe(fetched('ipxe.efi'));
    a.observe(script);
    a.observe(discover());
    expect(next(a)).toMatchObject({ loader: 'ipxe.efi', reason: /got this client to its boot script last time/ });

    const b = new LoaderAttempts();
    b.observe(fetched('snponly.efi'));
    b.observe(discover());
    b.observe(fetched('ipxe.efi'));
    b.observe(discover());
    expect(next(b)).toMatchObject({ loader: 'snponly.efi', reason: /back to snponly\.efi/ });
  });

  it('falls back from undionly.kpxe to ipxe.pxe on BIOS', () => {
    const a = new LoaderAttempts();
    a.observe(fetched('undionly.kpxe'));
    a.observe(discover());
    expect(next(a, 0).loader).toBe('ipxe.pxe');
  });

  it('forgets the oldest MAC beyond its bound', () => {
    const a = new LoaderAttempts(2);
    for (const mac of ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03']) {
      a.observe(fetched('snponly.efi', 'complete', mac));
      a.observe(discover(false, mac));
    }
    expect(a.history('02:00:00:00:00:01')).toEqual({});
    expect(a.history('02:00:00:00:00:03')).toEqual({ stuckAfter: 'snponly.efi' });
  });
});
