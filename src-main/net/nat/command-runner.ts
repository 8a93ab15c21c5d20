import { spawn } from 'node:child_process';

/** What a finished external command left behind. `code` 127 means the program was not found. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one external program to completion and never throws: every NAT backend talks to the
 * system only through this, so macOS and Windows can be unit-tested with recorded outputs and a
 * Linux test can hide `nft` to exercise the iptables fallback.
 */
export type CommandRunner = (cmd: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/** Upper bound for one firewall/sysctl command; a hung `pfctl` must not hang the engine. */
const COMMAND_TIMEOUT_MS = 30_000;

export const runCommand: CommandRunner = (cmd, args, input) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS, windowsHide: true });
    } catch (err) {
      done({ code: 127, stdout: '', stderr: `${cmd}: ${(err as Error).message}` });
      return;
    }
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code === 'ENOENT' ? 127 : err.code === 'EACCES' ? 126 : 1;
      done({ code, stdout, stderr: stderr + `${cmd}: ${err.code === 'ENOENT' ? 'command not found' : err.message}` });
    });
    child.once('close', (code, signal) => {
      done({ code: code ?? 128, stdout, stderr: signal ? `${stderr}${cmd}: killed by ${signal}` : stderr });
    });
    // A program that exits before reading its input closes the pipe: that is its answer, not ours to throw.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });

/** One line describing a failed command, for error messages and the log. */
export function describeFailure(cmd: string, args: readonly string[], result: CommandResult): string {
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' / ');
  return `\`${[cmd, ...args].join(' ')}\` exited with ${result.code}${output ? `: ${output}` : ''}`;
}
