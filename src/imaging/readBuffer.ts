// Scratch buffers that local image reads fill and reuse: a fresh Buffer per photo costs V8 garbage collection on every batch.

/** Images larger than this get a buffer of their own, so no lane keeps a huge one alive. */
const LARGEST_KEPT = 4 * 1024 * 1024;
/** Smallest buffer kept: photos of a few hundred KB then need one or two allocations per lane. */
const SMALLEST_KEPT = 256 * 1024;
/** Idle buffers kept for the next caller, in bytes (a thread reads a batch or two of images at once). */
const KEPT_IDLE_BYTES = 32 * 1024 * 1024;

/** One lane's scratch: what a read returns is a view of it, valid until the next read into the same ReadBuffer. */
export class ReadBuffer {
  private buffer: Buffer | null = null;

  /** Bytes this lane keeps. */
  get size(): number {
    return this.buffer?.length ?? 0;
  }

  /** At least `size` bytes (contents left over): this lane's buffer, grown to fit, or a new one above the cap. */
  take(size: number): Buffer {
    if (size > LARGEST_KEPT) return Buffer.allocUnsafeSlow(size);
    if (this.buffer === null || this.buffer.length < size) {
      this.buffer = Buffer.allocUnsafeSlow(Math.min(LARGEST_KEPT, Math.max(SMALLEST_KEPT, 2 ** Math.ceil(Math.log2(size)))));
    }
    return this.buffer;
  }
}

const idle: ReadBuffer[] = [];
let idleBytes = 0;

/** `count` buffers for one caller's exclusive use until it gives them back. */
export function borrowReadBuffers(count: number): ReadBuffer[] {
  return Array.from({ length: count }, () => {
    const buffer = idle.pop();
    if (buffer === undefined) return new ReadBuffer();
    idleBytes -= buffer.size;
    return buffer;
  });
}

/** Gives buffers back once nothing reads the bytes they hold. */
export function returnReadBuffers(buffers: ReadBuffer[]): void {
  for (const buffer of buffers) {
    if (idleBytes + buffer.size > KEPT_IDLE_BYTES) continue;
    idle.push(buffer);
    idleBytes += buffer.size;
  }
}
