// Large typed arrays on 2 MiB pages where the kernel allows (madvise through the native addon), advised before first write.
import { loadBlasGemm } from './nativeAddon.js';
import type { FloatArray } from './similarityKernel.js';

/** Below this, a few 4 KiB page faults cost less than the call. */
const WORTH_BYTES = 4 * 1024 * 1024;

/**
 * Advises huge pages under `array`'s memory (untouched memory only gains): a fresh 4 KiB page costs a fault each, which
 * on virtual machines can be ~16 us (0.5 to 0.65 s to fill 164 MB here, 0.15 s on huge pages). A no-op, returning
 * false, without the native addon or for small arrays.
 */
export function adviseHugePages(array: ArrayBufferView): boolean {
  const gemm = loadBlasGemm().gemm;
  return gemm !== null && array.byteLength >= WORTH_BYTES && gemm.hugePages(array);
}

/** A zeroed float array, advised onto huge pages when large; `shared`: on a SharedArrayBuffer, which worker threads read without a copy. */
export function largeFloatArray(double: boolean, length: number, shared = false): FloatArray {
  const bytes = length * (double ? 8 : 4);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const array = double ? new Float64Array(buffer) : new Float32Array(buffer);
  adviseHugePages(array);
  return array;
}
