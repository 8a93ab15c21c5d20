import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './serve-args.ts';
import { UsageError } from './usage-error.ts';

describe('parseServeArgs', () => {
  it('reads images, interface, DHCP mode, range, ports and paths', () => {
    const a = parseServeArgs(['a.iso', '--interface', 'br0', '--dhcp', 'full', '--range', '198.18.0.100-198.18.0.150', 'b.iso',
      '--http-port=8080', '--tftp-port', '6969', '--events', '-', '--data-dir', '/tmp/d', '--ui-port', '7000', '--nat', 'wan0']);
    expect(a).toMatchObject({
      images: ['a.iso', 'b.iso'], interfaceName: 'br0', dhcpMode: 'full', range: { first: '198.18.0.100', last: '198.18.0.150' },
      ports: { http: 8080, tftp: 6969 }, events: '-', dataDir: '/tmp/d', uiPort: 7000, natUplink: 'wan0',
    });
  });
  it('reads the wimboot the technician supplies', () => {
    expect(parseServeArgs(['--interface', 'br0', '--wimboot', '/srv/wimboot']).wimboot).toBe('/srv/wimboot');
    expect(() => parseServeArgs(['--interface', 'br0', '--wimboot'])).toThrow(/--wimboot needs a value/);
  });
  it('reads the boot plan to prefer', () => {
    expect(parseServeArgs(['--interface', 'br0', '--plan', 'nbd']).plan).toBe('nbd');
  });
  it('reads how Secure Boot machines are served, and leaves the saved setting alone without the flag', () => {
    expect(parseServeArgs(['--interface', 'br0', '--secure-boot', 'always']).secureBoot).toBe('always');
    expect(parseServeArgs(['--interface', 'br0', '--secure-boot=never']).secureBoot).toBe('never');
    expect(parseServeArgs(['--interface', 'br0', '--setup-share', 'off']).setupShare).toBe(false);
    expect(parseServeArgs(['--interface', 'br0', '--setup-share=on']).setupShare).toBe(true);
    expect(parseServeArgs(['--interface', 'br0']).setupShare).toBeUndefined();
    expect(parseServeArgs(['--interface', 'br0']).secureBoot).toBeUndefined();
  });
  it('reads limits with their units', () => {
    expect(parseServeArgs(['--interface', 'br0', '--limit', 'uploadMaxBytes=2G', '--limit=sendStallTimeoutMs=90s', '--limit', 'nbdListExports=false']).limits).toEqual({
      uploadMaxBytes: 2 * 1024 ** 3, sendStallTimeoutMs: 90_000, nbdListExports: false,
    });
  });
  it('defaults to auto DHCP', () => {
    expect(parseServeArgs(['--interface', 'eth1']).dhcpMode).toBe('auto');
  });
  it.each([
    [['x.iso'], /--interface NAME is required/],
    [['--interface', 'br0', '--dhcp', 'maybe'], /--dhcp takes auto, proxy, full or off/],
    [['--interface', 'br0', '--http-port', '99999'], /--http-port takes a port number/],
    [['--interface', 'br0', '--range', '198.18.0.1'], /--range takes FIRST-LAST/],
    [['--interface', 'br0', '--bogus'], /unknown option --bogus/],
    [['--interface', 'br0', '--secure-boot', 'sometimes'], /--secure-boot takes auto, always, never/],
    [['--interface', 'br0', '--setup-share', 'yes'], /--setup-share takes on or off, not 'yes'/],
    [['--interface'], /--interface needs a value/],
    [['--interface', 'br0', '--limit', 'httpMaxSockets=3'], /not a known limit/],
    [['--interface', 'br0', '--limit', 'httpMaxConnections=0'], /whole number ≥ 1/],
    [['--interface', 'br0', '--limit', 'httpMaxConnections=5G'], /does not fit/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(UsageError);
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});
