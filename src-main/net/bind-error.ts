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

/** Who reads the advice: a command-line user (flags, sudo) or the desktop window (its settings, its helper). */
export interface BindAdviceContext {
  host: 'cli' | 'desktop';
  platform: NodeJS.Platform;
}

let context: BindAdviceContext = { host: 'cli', platform: process.platform };

/** Set once by the host at start-up: the desktop app and its engine helper say 'desktop'. */
export function setBindAdviceContext(next: Partial<BindAdviceContext>): void {
  context = { ...context, ...next };
}

/** How to find the program holding a port, in the platform's own tools. */
function findOwner(port: number, platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return `\`sudo lsof -nP -i :${port}\``;
    case 'win32':
      return `\`netstat -ano | findstr :${port}\` (the last column is the PID; Task Manager ▸ Details shows the program)`;
    default:
      return `\`ss -lupn 'sport = :${port}'\` or \`ss -ltpn 'sport = :${port}'\``;
  }
}

function privilegeAdvice(c: BindAdviceContext): string {
  if (c.platform === 'win32') {
    return 'Another program or a Windows reserved port range may hold it: `netsh int ipv4 show excludedportrange protocol=udp` (and protocol=tcp) lists the reserved ranges';
  }
  if (c.host === 'desktop') {
    return c.platform === 'darwin'
      ? 'Quit Bootcast and start it from Terminal with `sudo /Applications/Bootcast.app/Contents/MacOS/Bootcast`'
      : 'Bootcast asks for your password when you press Start; if no prompt appeared, install the .deb (it adds the prompt), or use Open logs folder on the Log page to see why the engine helper did not start';
  }
  return c.platform === 'linux'
    ? 'Run it as root (`sudo bootcast serve …`); giving capabilities to a general-purpose `node` would let every script bind them'
    : 'Run it as administrator (`sudo bootcast serve …`)';
}

export function describeBindError(err: unknown, service: string, address: string, port: number, portFlag?: string): BindError | unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${address}:${port}`;
  const c = context;
  const move = c.host === 'desktop' ? ' or choose another port under Network ▸ Advanced' : portFlag ? ` or choose another port with ${portFlag}` : '';
  switch (code) {
    case 'EADDRINUSE':
      return new BindError(
        `${service}: port ${where} is already in use by another program. Stop that program (find it with ${findOwner(port, c.platform)})${move}.`,
        code, service, address, port);
    case 'EACCES':
    case 'EPERM':
      return new BindError(
        `${service}: not permitted to listen on ${where}: ports below 1024 need administrator rights. ${privilegeAdvice(c)}${move}.`,
        code, service, address, port);
    case 'EADDRNOTAVAIL':
      return new BindError(
        `${service}: address ${address} is not on any interface of this machine. ${c.host === 'desktop' ? 'Pick the interface again under Network' : 'Pick an interface that has this address (bootcast serve --interface NAME)'}, or check that its cable is plugged in.`,
        code, service, address, port);
    default:
      return err;
  }
}
