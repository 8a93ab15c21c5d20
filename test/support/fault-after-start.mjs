// Preloaded into `bootcast serve` by a test (node --import): once the server says it is serving,
// throws from a timer, as a bug in a request handler would, so the test can watch the process
// stop cleanly instead of dying with its services (and NAT) still up.
const write = process.stderr.write.bind(process.stderr);
let armed = true;
process.stderr.write = (chunk, ...rest) => {
  if (armed && String(chunk).includes('Bootcast is serving')) {
    armed = false;
    setTimeout(() => {
      throw new Error('injected fault in a handler');
    }, 10);
  }
  return write(chunk, ...rest);
};
