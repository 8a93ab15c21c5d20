#!/usr/bin/env node
// Stands in for pkexec where polkit has no agent (CI, these machines): run by the unprivileged UI
// as `pkexec-stand-in.mjs COMMAND…`, it asks the test's root broker (pkexec-broker.ts) to run
// COMMAND as root and relays stdin and stdout, as pkexec's exec would. Plain JavaScript: it runs
// as `nobody`, without the TypeScript loader.
import { connect } from 'node:net';

const socket = connect({ path: process.env.BOOTCAST_TEST_PKEXEC_SOCKET, allowHalfOpen: true });
socket.write(JSON.stringify({ argv: process.argv.slice(2), uid: process.getuid(), gid: process.getgid() }) + '\n');
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('end', () => process.exit(0));
socket.on('error', (err) => {
  process.stderr.write(`pkexec stand-in: ${err.message}\n`);
  process.exit(127);
});
