/**
 * Drives a NatController from inside a network namespace (a Node process cannot enter one):
 *   ip netns exec NS node --import tsx test/support/run-nat.ts DATADIR COMMAND [ARGS] [--hide-nft] [--hold]
 * COMMAND: enable LAN_IF LAN_CIDR [UPLINK] | disable | recover | state | candidates LAN_IF
 * Prints one JSON line per controller event ({"event":"changed"|"log",...}) and a final
 * {"result":...}. --hide-nft makes `nft` look uninstalled (exercises the iptables fallback);
 * --fail-on=TEXT fails the first-matching commands (argv containing TEXT); --fail-ip-forward
 * fails switching forwarding on (both exercise the rollback of a half-applied enable);
 * --iptables-legacy runs `iptables-legacy` where the code runs `iptables` (older distributions);
 * --hold keeps the process alive after printing the result (for kill -9 tests).
 */
import { runCommand, type CommandRunner } from '../../src-main/net/nat/command-runner.ts';
import { procIpForward, type IpForwardSwitch } from '../../src-main/net/nat/linux-ip-forward.ts';
import { NatError } from '../../src-main/net/nat/nat-errors.ts';
import { createNatController } from '../../src-main/net/nat/nat-platform.ts';

const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const [dataDir, command, ...args] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!dataDir || !command) {
  console.error('usage: run-nat.ts DATADIR enable|disable|recover|state|candidates [ARGS] [--hide-nft] [--hold]');
  process.exit(2);
}

const failOn = [...flags].find((f) => f.startsWith('--fail-on='))?.slice('--fail-on='.length);
const run: CommandRunner = (cmd, argv, input) => {
  if (flags.has('--hide-nft') && cmd === 'nft') return Promise.resolve({ code: 127, stdout: '', stderr: 'nft: command not found' });
  if (failOn && [cmd, ...argv].join(' ').includes(failOn)) return Promise.resolve({ code: 1, stdout: '', stderr: `simulated failure of ${cmd}` });
  if (flags.has('--iptables-legacy') && cmd === 'iptables') return runCommand('iptables-legacy', argv, input);
  return runCommand(cmd, argv, input);
};
const ipForward: IpForwardSwitch = {
  read: () => procIpForward.read(),
  write: async (value) => {
    if (flags.has('--fail-ip-forward') && value === '1') throw new NatError('simulated: cannot set net.ipv4.ip_forward=1', 'failed');
    await procIpForward.write(value);
  },
};

const nat = createNatController({ dataDir, run, ipForward });
nat.events.on('changed', (state) => console.log(JSON.stringify({ event: 'changed', state })));
nat.events.on('log', (line) => console.log(JSON.stringify({ event: 'log', ...line })));

let result: unknown;
switch (command) {
  case 'enable':
    result = await nat.enable({ lanInterface: args[0]!, lanCidr: args[1]!, uplink: args[2] });
    break;
  case 'disable':
    result = await nat.disable();
    break;
  case 'recover':
    result = await nat.recover();
    break;
  case 'state':
    result = await nat.refresh(args[0]);
    break;
  case 'candidates':
    result = await nat.uplinkCandidates(args[0]);
    break;
  default:
    console.error(`unknown command ${command}`);
    process.exit(2);
}
console.log(JSON.stringify({ result }));
if (flags.has('--hold')) setInterval(() => {}, 1 << 30);
