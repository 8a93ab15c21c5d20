/**
 * Polls `condition` every 10 ms until it holds. For what arrives a moment after the step a test
 * awaited (a server's done event after the client's last ACK, a log line through a pipe); the
 * deadline turns a missing event into an error that says so instead of a bare test timeout.
 */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
