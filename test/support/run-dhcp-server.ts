/**
 * Runs Bootcast's DhcpServer as a process so tests can start it inside a network namespace
 * (`ip netns exec NS node --import tsx run-dhcp-server.ts '<json>'`). Prints one JSON object per
 * line: {"event":"decision",…} for auto mode, {"event":"listening",…}, then every server event.
 * Exits on SIGTERM after flushing leases.
 *
 * JSON argument: DhcpServerOptions minus bootPolicy, with mode 'auto' allowed, plus
 * `probeTimeoutMs`. The boot policy is the engine's in miniature: first stage by TFTP,
 * iPXE gets http://<server>:8080/boot.ipxe?mac=….
 */
import { chooseFirstStageLoader } from '../../src-main/boot/first-stage-loader.ts';
import { decideDhcpMode, probeForDhcpServer } from '../../src-main/servers/dhcp/dhcp-probe.ts';
import { DhcpServer } from '../../src-main/servers/dhcp/dhcp-server.ts';
import type { DhcpServerOptions } from '../../src-main/servers/dhcp/dhcp-server-options.ts';
import type { DhcpServerEvents } from '../../src-main/servers/dhcp/dhcp-events.ts';
import { subnetBroadcast } from '../../src-main/net/interfaces.ts';

type Args = Omit<DhcpServerOptions, 'bootPolicy' | 'mode'> & { mode: DhcpServerOptions['mode'] | 'auto'; probeTimeoutMs?: number };

function out(obj: object): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  let mode = args.mode;
  const prefix = args.prefixLength ?? 24;
  if (mode === 'auto') {
    const probe = await probeForDhcpServer({
      interfaceAddress: args.serverAddress,
      broadcastAddress: args.broadcastAddress ?? subnetBroadcast(args.serverAddress, prefix),
      timeoutMs: args.probeTimeoutMs ?? 2000,
      ...(args.clientPort !== undefined ? { clientPort: args.clientPort } : {}),
      ...(args.port !== undefined ? { serverPort: args.port } : {}),
    });
    const decision = decideDhcpMode(probe);
    out({ event: 'decision', ...decision, probe });
    mode = decision.mode;
  }
  const server = new DhcpServer({
    ...args,
    mode,
    prefixLength: prefix,
    bootPolicy: (client) => {
      if (client.ipxe) return { bootFile: `http://${args.serverAddress}:8080/boot.ipxe?mac=${client.mac}` };
      const choice = chooseFirstStageLoader(client);
      return choice.loader ? { bootFile: choice.loader } : null;
    },
  });
  const names: (keyof DhcpServerEvents)[] = ['discover', 'offer', 'request', 'ack', 'nak', 'decline', 'release', 'inform', 'proxy', 'ignored', 'malformed', 'conflict', 'warning'];
  for (const name of names) server.events.on(name, (e) => out({ event: name, ...e }));
  await server.start();
  out({ event: 'listening', mode, ports: server.ports });
  const stop = async () => {
    await server.stop();
    out({ event: 'stopped', stats: server.stats() });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: Error) => {
  out({ event: 'fatal', message: err.message });
  process.exit(1);
});
