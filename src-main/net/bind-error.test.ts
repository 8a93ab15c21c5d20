import { describe, expect, it } from 'vitest';
import { afterEach } from 'vitest';
import { BindError, describeBindError, setBindAdviceContext } from './bind-error.ts';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('describeBindError', () => {
  afterEach(() => setBindAdviceContext({ host: 'cli', platform: 'linux' }));
  setBindAdviceContext({ host: 'cli', platform: 'linux' });
  it('names the busy port, how to find its owner and the flag that moves ours', () => {
    const e = describeBindError(errno('EADDRINUSE'), 'TFTP', '198.18.0.1', 69, '--tftp-port') as BindError;
    expect(e).toBeInstanceOf(BindError);
    expect(e.message).toMatch(/TFTP: port 198\.18\.0\.1:69 is already in use/);
    expect(e.message).toContain("ss -lupn 'sport = :69'");
    expect(e.message).toContain('--tftp-port');
  });

  it('says how to get the privilege for a port below 1024: sudo on the command line, never capabilities on node', () => {
    const e = describeBindError(errno('EACCES'), 'DHCP server', '0.0.0.0', 67, '--dhcp-port') as BindError;
    expect(e.message).toMatch(/not permitted to listen on 0\.0\.0\.0:67/);
    expect(e.message).toContain('`sudo bootcast serve …`');
    expect(e.message).not.toContain('setcap');
    expect(e.code).toBe('EACCES');
  });

  it('speaks to the desktop user about the window, not flags, and names each OS\'s own tools', () => {
    setBindAdviceContext({ host: 'desktop', platform: 'linux' });
    const denied = describeBindError(errno('EACCES'), 'HTTP', '198.18.0.1', 80, '--http-port') as BindError;
    expect(denied.message).toContain('asks for your password when you press Start');
    expect(denied.message).toContain('Network ▸ Advanced');
    expect(denied.message).not.toContain('--http-port');
    setBindAdviceContext({ host: 'desktop', platform: 'darwin' });
    expect((describeBindError(errno('EADDRINUSE'), 'HTTP', '198.18.0.1', 80) as BindError).message).toContain('sudo lsof -nP -i :80');
    setBindAdviceContext({ host: 'cli', platform: 'win32' });
    const busy = describeBindError(errno('EADDRINUSE'), 'TFTP', '198.18.0.1', 69, '--tftp-port') as BindError;
    expect(busy.message).toContain('netstat -ano | findstr :69');
    expect(busy.message).toContain('--tftp-port');
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
