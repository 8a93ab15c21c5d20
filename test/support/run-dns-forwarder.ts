/**
 * Inside a namespace: a fake "local stub" resolver on STUB_ADDRESS:53 and a DnsForwarder on
 * ADDRESS:53 relaying to it, like a host whose only resolver is systemd-resolved's 127.0.0.53.
 *   ip netns exec NS node --import tsx test/support/run-dns-forwarder.ts ADDRESS STUB_ADDRESS ANSWER
 * Prints "ready" and then one JSON line of stats per second.
 */
import { DnsForwarder } from '../../src-main/servers/dns-forwarder.ts';
import { startFakeDnsUpstream } from './fake-dns-upstream.ts';

const [address, stub, answer] = process.argv.slice(2);
if (!address || !stub || !answer) {
  console.error('usage: run-dns-forwarder.ts ADDRESS STUB_ADDRESS ANSWER');
  process.exit(2);
}
const upstream = await startFakeDnsUpstream(stub, 53, answer);
const forwarder = new DnsForwarder({ address, upstreams: [stub] });
forwarder.events.on('error', (err) => console.log(JSON.stringify({ error: err.message })));
await forwarder.start();
console.log('ready');
setInterval(() => console.log(JSON.stringify({ stats: forwarder.stats(), upstreamQueries: upstream.queries.length })), 1000);
