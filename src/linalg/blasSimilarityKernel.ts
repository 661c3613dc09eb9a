// SimilarityKernel on OpenBLAS's GEMM through the optional Node-API addon in native/blas-gemm (built by npm install).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { FloatArray, SimilarityKernel, SimilarityKernelFactory } from './similarityKernel.js';

/** The addon's exports (native/blas-gemm/src/blas_gemm.c). */
export interface BlasGemm {
  /**
   * out[0, count x rows) = queries x targets^T, on `threads` threads; all three arrays of one float type. `lane`: the
   * first query's position in its pass, which places the rows where OpenBLAS gives each the same bits (blas_gemm.c).
   */
  multiply(queries: FloatArray, count: number, targets: FloatArray, rows: number, dim: number, out: FloatArray, threads: number, lane: number): Promise<void>;
  /** The OpenBLAS build and the CPU kernels it chose. */
  describe(): string;
}

/** Where `npm install` builds the addon (this module runs from dist/src/linalg/). */
export const BLAS_GEMM_ADDON = fileURLToPath(new URL('../../../native/blas-gemm/build/Release/blas_gemm.node', import.meta.url));

let addon: { gemm: BlasGemm | null; error: string } | undefined;

// OpenBLAS sizes its thread pool when the library loads: without OPENBLAS_NUM_THREADS it takes every CPU of the
// host, not of the container (here 404 ms to load instead of 4). Set from the main thread, at import, so the real
// environment has it before any thread (workers read it there; their own process.env is a copy) loads the addon.
if (isMainThread && process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = String(availableParallelism());

/** The addon, or null with the reason it did not load (not built, no libopenblas at run time), tried once per thread. */
export function loadBlasGemm(): { gemm: BlasGemm | null; error: string } {
  if (addon === undefined) {
    try {
      addon = { gemm: createRequire(import.meta.url)(BLAS_GEMM_ADDON) as BlasGemm, error: '' };
    } catch (error) {
      addon = { gemm: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return addon;
}

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
      if ((outputs[turn]?.length ?? -1) < size) outputs[turn] = targets instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
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
