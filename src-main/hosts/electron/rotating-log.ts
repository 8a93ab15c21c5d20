// The desktop's human log on disk: one line per entry, appended synchronously (so a line written
// just before a crash is there), rotated by size: bootcast.log, bootcast.1.log … bootcast.N.log.
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface RotatingLogOptions {
  dir: string;
  /** Rotate once the current file passes this size. */
  maxBytes?: number;
  /** Older files kept besides the current one. */
  keep?: number;
}

export class RotatingLog {
  readonly file: string;
  private size: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(private readonly o: RotatingLogOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.file = join(o.dir, 'bootcast.log');
    this.maxBytes = o.maxBytes ?? 2 << 20;
    this.keep = o.keep ?? 4;
    this.size = (() => {
      try {
        return statSync(this.file).size;
      } catch {
        return 0;
      }
    })();
  }

  private rotated(i: number): string {
    return join(this.o.dir, `bootcast.${i}.log`);
  }

  write(line: string): void {
    const text = line.endsWith('\n') ? line : line + '\n';
    if (this.size > 0 && this.size + Buffer.byteLength(text) > this.maxBytes) this.rotate();
    try {
      appendFileSync(this.file, text);
      this.size += Buffer.byteLength(text);
    } catch {
      // A full disk must not take the app down with it; the UI log still has the line.
    }
  }

  private rotate(): void {
    rmSync(this.rotated(this.keep), { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(this.rotated(i), this.rotated(i + 1));
      } catch {
        // that generation does not exist yet
      }
    }
    try {
      renameSync(this.file, this.rotated(1));
    } catch {
      // nothing to rotate
    }
    this.size = 0;
  }
}
