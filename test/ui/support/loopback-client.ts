import { get, type ClientRequest } from 'node:http';

/**
 * A simulated boot client's HTTP requests. `localAddress` picks its source address inside
 * 127.0.0.0/8, so two simulated machines are two IPs to the server, as on a real network.
 */
export function httpText(url: string, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/**
 * Starts a download and stops reading after `stopAfterBytes`, like a client that ran out of
 * memory or lost its link mid-transfer: the server's send stalls with the socket buffers full.
 */
export function stalledDownload(url: string, localAddress: string, stopAfterBytes: number): Promise<{ received: number; abort(): void }> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = get(url, { localAddress }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= stopAfterBytes && !res.isPaused()) {
          res.pause();
          resolve({ received, abort: () => req?.destroy() });
        }
      });
      res.on('end', () => reject(new Error(`${url} finished before ${stopAfterBytes} bytes: make the file bigger`)));
    });
    req.on('error', (err) => {
      if (!req?.destroyed) reject(err);
    });
  });
}
