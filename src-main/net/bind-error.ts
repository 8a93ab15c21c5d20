/**
 * Turns a failed bind (EADDRINUSE, EACCES, EADDRNOTAVAIL) into a message that tells the user
 * exactly what to do next. Every server wraps its bind with this so the wording is the same.
 */
export class BindError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly service: string,
    readonly address: string,
    readonly port: number,
  ) {
    super(message);
    this.name = 'BindError';
  }
}

export function describeBindError(err: unknown, service: string, address: string, port: number, portFlag?: string): BindError | unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${address}:${port}`;
  const flag = portFlag ? ` or choose another port with ${portFlag}` : '';
  switch (code) {
    case 'EADDRINUSE':
      return new BindError(
        `${service}: port ${where} is already in use by another program. Stop that program (find it with \`ss -lupn 'sport = :${port}'\` or \`ss -ltpn 'sport = :${port}'\`)${flag}.`,
        code, service, address, port);
    case 'EACCES':
    case 'EPERM':
      return new BindError(
        `${service}: not permitted to listen on ${where}: ports below 1024 need privileges. Run Bootcast as root/administrator, or grant the capability once with \`sudo setcap cap_net_bind_service,cap_net_raw=+ep "$(readlink -f "$(command -v node)")"\`${flag}.`,
        code, service, address, port);
    case 'EADDRNOTAVAIL':
      return new BindError(
        `${service}: address ${address} is not on any interface of this machine. Pick an interface that has this address (bootcast serve --interface NAME), or check that its cable is plugged in.`,
        code, service, address, port);
    default:
      return err;
  }
}
