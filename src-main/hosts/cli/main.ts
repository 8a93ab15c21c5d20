import { packageVersion } from './package-root.ts';
import { EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK, NotFoundError, UsageError } from './usage-error.ts';

const USAGE = `Usage: bootcast <command> [options]

Commands:
  serve [IMAGE…] --interface NAME   network-boot the images on that interface (see bootcast serve --help)
  iso info|ls|cat IMAGE …           read an ISO image without mounting it (see bootcast iso --help)

Options:
  --version, -V                     print the version and exit

Exit status: 0 ok, 1 not found, 2 bad input or usage.`;

type Command = (args: string[]) => Promise<number>;

// Commands load lazily so `bootcast iso …` never pays for the servers' start-up.
const COMMANDS: Record<string, () => Promise<Command>> = {
  iso: async () => (await import('./iso-command.ts')).isoCommand,
  serve: async () => (await import('./serve-command.ts')).serveCommand,
  // Started by the desktop app as root, never by hand (not in the usage text).
  'engine-helper': async () => (await import('../helper/engine-helper-command.ts')).engineHelperCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(USAGE + '\n');
    return name ? 0 : EXIT_BAD_INPUT;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`bootcast ${packageVersion()}\n`);
    return EXIT_OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`bootcast: unknown command '${name}'\n\n${USAGE}\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bootcast ${name}: ${err.message}\n${err.usage ? '\n' + err.usage + '\n' : ''}`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof NotFoundError) {
      process.stderr.write(`bootcast ${name}: ${err.message}\n`);
      return EXIT_NOT_FOUND;
    }
    process.stderr.write(`bootcast ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_BAD_INPUT;
  }
}
