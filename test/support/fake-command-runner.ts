import type { CommandResult, CommandRunner } from '../../src-main/net/nat/command-runner.ts';

export interface RecordedCall {
  cmd: string;
  args: string[];
  input?: string;
}

/** A runner answering from a handler and recording every call, for fixture-driven backend tests. */
export function recordingRunner(handler: (call: RecordedCall) => Partial<CommandResult> | undefined): { run: CommandRunner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const run: CommandRunner = async (cmd, args, input) => {
    const call = { cmd, args: [...args], ...(input !== undefined ? { input } : {}) };
    calls.push(call);
    const reply = handler(call);
    if (!reply) return { code: 127, stdout: '', stderr: `${cmd}: command not found` };
    return { code: 0, stdout: '', stderr: '', ...reply };
  };
  return { run, calls };
}
