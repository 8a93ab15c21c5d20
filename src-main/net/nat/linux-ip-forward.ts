import { readFile, writeFile } from 'node:fs/promises';
import { LINUX_PRIVILEGE_HINT, NatError } from './nat-errors.ts';

/**
 * net.ipv4.ip_forward, read and written through /proc/sys rather than the `sysctl` program:
 * no dependency on procps, and a process holding CAP_NET_ADMIN may write network sysctls of its
 * namespace even without being uid 0 (net_ctl_permissions in the kernel). Injectable for tests.
 */
export interface IpForwardSwitch {
  read(): Promise<string>;
  write(value: string): Promise<void>;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export const procIpForward: IpForwardSwitch = {
  async read() {
    return (await readFile(IP_FORWARD, 'utf8')).trim();
  },
  async write(value) {
    try {
      await writeFile(IP_FORWARD, `${value}\n`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new NatError(`cannot set net.ipv4.ip_forward=${value} (${code}). ${LINUX_PRIVILEGE_HINT}`, 'privilege');
      }
      throw new NatError(`cannot set net.ipv4.ip_forward=${value}: ${(err as Error).message}`, 'failed');
    }
  },
};
