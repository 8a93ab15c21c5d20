/**
 * Read buffers reused across requests (NBD replies, HTTP bodies). A fresh 256 KiB–2 MiB Buffer is
 * an mmap plus a page fault per 4 KiB on first touch, and V8 counts it as external memory: at
 * these rates (thousands of reads per second) that costs more than the read itself, and the
 * garbage collector runs full marks to free them. Buffers come in power-of-two classes and are
 * kept up to `maxPooledBytes` in total.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooledBytes = 0;

  constructor(
    private readonly maxPooledBytes = 64 * 1024 * 1024,
    private readonly minClass = 4096,
  ) {}

  /** A buffer of at least `size` bytes; give it back with release() once nothing refers to it. */
  acquire(size: number): Buffer {
    const cls = this.classOf(size);
    const list = this.free.get(cls);
    const buf = list?.pop();
    if (buf) {
      this.pooledBytes -= cls;
      return buf;
    }
    return Buffer.allocUnsafeSlow(cls);
  }

  release(buf: Buffer): void {
    const cls = buf.length;
    if (cls !== this.classOf(cls) || this.pooledBytes + cls > this.maxPooledBytes) return;
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(buf);
    this.pooledBytes += cls;
  }

  /** Drops every pooled buffer (buffers in use come back later as usual). */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }

  private classOf(size: number): number {
    let cls = this.minClass;
    while (cls < size) cls *= 2;
    return cls;
  }
}
