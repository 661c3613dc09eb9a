// SimilarityKernel on OpenBLAS's GEMM through the optional Node-API addon in native/blas-gemm (built by npm install).
import { largeFloatArray } from './hugePages.js';
import type { BlasGemm } from './nativeAddon.js';
import type { FloatArray, SimilarityKernel, SimilarityKernelFactory } from './similarityKernel.js';

/**
 * A kernel over `targets` (read in place, shared memory included). Products land in two output buffers used in
 * turn, so a result stays valid until the second multiply after it (see SimilarityKernel.multiply).
 */
export function blasKernel(gemm: BlasGemm, targets: FloatArray, rows: number, dim: number, threads: number): SimilarityKernel {
  const outputs: FloatArray[] = [];
  let turn = 0;
  return {
    targetRows: rows,
    async multiply(queries, count, position = 0) {
      const size = count * rows;
      if ((outputs[turn]?.length ?? -1) < size) outputs[turn] = largeFloatArray(targets instanceof Float64Array, size);
      const out = outputs[turn].subarray(0, size);
      turn ^= 1;
      await gemm.multiply(queries, count, targets, rows, dim, out, threads, position);
      return out;
    },
    close: async () => undefined,
  };
}

/** Kernels on the addon, each on `threads` threads. */
export function blasSimilarityKernelFactory(gemm: BlasGemm, threads: number): SimilarityKernelFactory {
  return async (targets, rows, dim) => blasKernel(gemm, targets, rows, dim, threads);
}
