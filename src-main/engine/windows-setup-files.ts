import { open } from 'node:fs/promises';
import { SETUP_SCRIPT_NAME, UNATTEND_NAME, WINPESHL_NAME, setupScript, shareNameFor, winpeshlIni } from '../boot/windows/setup-source.ts';
import { bufferFile, type ServedFile } from '../servers/file-source.ts';
import type { ImageInfo, SetupShareState } from '../shared/api.ts';
import { MAX_UNATTEND_BYTES, unattendFile } from './setup-share-run.ts';

/**
 * The files wimboot injects into a shared Windows Setup image's WinPE, generated per image and
 * request: winpeshl.ini, the script that maps this run's share (address and name) and starts
 * setup.exe, and the technician's answer file. Nothing while the image is not shared: WinPE then
 * starts Setup as the medium would.
 */
export async function windowsSetupFile(info: ImageInfo, name: string, share: SetupShareState | undefined, serverAddress: string): Promise<ServedFile | null> {
  if (share?.status !== 'serving' || !share.shares.some((s) => s.imageId === info.id)) return null;
  const unattend = unattendFile(info.path);
  const text = (s: string) => bufferFile(new TextEncoder().encode(s), 'text/plain; charset=utf-8');
  switch (name.toLowerCase()) {
    case WINPESHL_NAME:
      return text(winpeshlIni());
    case SETUP_SCRIPT_NAME:
      return text(setupScript({ server: serverAddress, share: shareNameFor(info.id), unattend: unattend !== undefined }));
    case UNATTEND_NAME.toLowerCase():
      return unattend ? readBounded(unattend) : null;
    default:
      return null;
  }
}

/** The answer file whole (its size must not change between header and body), or null once it outgrew the bound. */
async function readBounded(path: string): Promise<ServedFile | null> {
  const fh = await open(path).catch(() => null);
  if (!fh) return null;
  try {
    const buf = new Uint8Array(MAX_UNATTEND_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, 0);
    return bytesRead > 0 && bytesRead <= MAX_UNATTEND_BYTES ? bufferFile(buf.subarray(0, bytesRead), 'application/xml') : null;
  } finally {
    await fh.close();
  }
}
