import { describe, expect, it } from 'vitest';
import { BindError, describeBindError } from './bind-error.ts';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('describeBindError', () => {
  it('names the busy port, how to find its owner and the flag that moves ours', () => {
    const e = describeBindError(errno('EADDRINUSE'), 'TFTP', '198.18.0.1', 69, '--tftp-port') as BindError;
    expect(e).toBeInstanceOf(BindError);
    expect(e.message).toMatch(/TFTP: port 198\.18\.0\.1:69 is already in use/);
    expect(e.message).toContain("ss -lupn 'sport = :69'");
    expect(e.message).toContain('--tftp-port');
  });

  it('says how to get the privilege for a port below 1024', () => {
    const e = describeBindError(errno('EACCES'), 'DHCP server', '0.0.0.0', 67, '--dhcp-port') as BindError;
    expect(e.message).toMatch(/not permitted to listen on 0\.0\.0\.0:67/);
    expect(e.message).toMatch(/root\/administrator/);
    expect(e.message).toContain('setcap cap_net_bind_service,cap_net_raw=+ep');
    expect(e.code).toBe('EACCES');
  });

  it('explains an address that is on no interface', () => {
    const e = describeBindError(errno('EADDRNOTAVAIL'), 'HTTP', '198.18.0.9', 80) as BindError;
    expect(e.message).toMatch(/198\.18\.0\.9 is not on any interface/);
  });

  it('passes other errors through unchanged', () => {
    const original = errno('EMFILE');
    expect(describeBindError(original, 'HTTP', '127.0.0.1', 80)).toBe(original);
  });
});
