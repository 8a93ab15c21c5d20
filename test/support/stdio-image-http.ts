/**
 * One HTTP/1.1 request per process on stdin/stdout, answered the way Bootcast's URL scheme
 * says: /boot.ipxe from a file, /images/<id>/<path> from inside an ISO through IsoImage,
 * /images/<id>.iso the whole image. QEMU's user networking runs this per guest connection
 * (`guestfwd=tcp:IP:80-cmd:…`), so a guest can fetch over "HTTP" while nothing on the host
 * listens on any network socket.
 *
 * argv: <image id> <iso path> <boot script path> <request log file>
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseImageUrlPath } from '../../src-main/boot/image-urls.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';

const [imageId, isoPath, scriptPath, logPath] = process.argv.slice(2) as [string, string, string, string];

async function answer(method: string, target: string): Promise<{ status: number; body: Uint8Array }> {
  const path = decodeURIComponent(target.split('?')[0] ?? '/');
  if (path === '/boot.ipxe') return { status: 200, body: readFileSync(scriptPath) };
  const t = parseImageUrlPath(path);
  if (!t || t.imageId !== imageId) return { status: 404, body: new Uint8Array() };
  if ('wholeImage' in t) return { status: 200, body: method === 'HEAD' ? new Uint8Array() : readFileSync(isoPath) };
  const iso = await IsoImage.open(isoPath);
  try {
    return { status: 200, body: await iso.readFile(t.innerPath, { maxBytes: 1 << 30 }) };
  } catch {
    return { status: 404, body: new Uint8Array() };
  } finally {
    await iso.close();
  }
}

let buf = Buffer.alloc(0);
process.stdin.on('data', (d: Buffer) => {
  buf = Buffer.concat([buf, d]);
  if (buf.indexOf('\r\n\r\n') < 0) return;
  process.stdin.pause();
  const [method = 'GET', target = '/'] = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1').split(' ');
  void answer(method, target).then(({ status, body }) => {
    appendFileSync(logPath, `${method} ${target} ${status} ${body.byteLength}\n`);
    const head = `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}\r\nContent-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n`;
    process.stdout.write(head);
    if (method !== 'HEAD') process.stdout.write(body);
    process.stdout.end(() => process.exit(0));
  });
});
