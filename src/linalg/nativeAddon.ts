// Loads the optional Node-API addon (native/blas-gemm: OpenBLAS GEMM, huge-page advice, native scoring loops) once per process.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { nativeBlasAllowed, openBlasCoreType } from '../config.js';
import type { FloatArray } from './similarityKernel.js';

/** The addon's exports (native/blas-gemm/src/blas_gemm.c). */
export interface BlasGemm {
  /**
   * out[0, count x rows) = queries x targets^T, on `threads` threads; all three arrays of one float type. `lane`: the
   * first query's position in its pass, which places the rows where OpenBLAS gives each the same bits (blas_gemm.c).
   */
  multiply(
    queries: FloatArray,
    count: number,
    targets: FloatArray,
    rows: number,
    dim: number,
    out: FloatArray,
    threads: number,
    lane: number,
  ): Promise<void>;
  /** The OpenBLAS build and the CPU kernels it chose. */
  describe(): string;
  /** madvise(MADV_HUGEPAGE) over the array's memory; whether the kernel took it (see hugePages.ts). */
  hugePages(array: ArrayBufferView): boolean;
  /** TagSimilarity.compute (no categories) and scorePass's x side for item u in C (see native/blas-gemm/src/tag_side.c). */
  tagSide(
    itemTagOffsets: Int32Array,
    itemTags: Int32Array,
    tagWeight2: Float64Array,
    postingOffsets: Int32Array,
    postings: Int32Array,
    inverseNorm: Float64Array,
    u: number,
    skip: number,
    dot: Float64Array,
    x: Float64Array,
    values: Float64Array,
    out: Float64Array,
  ): void;
  /** Ends the process at once with `code` (_exit), skipping Node's shutdown (see src/cli/corrembed.ts). */
  exitNow(code: number): never;
  /** roundedPearsonSums (queryCorrelation.ts) in vector code, without the y values: sums into out[0..3). */
  pearsonSums(similarities: FloatArray, scale: number, rounded: boolean, xv: Float64Array, skip: number, out: Float64Array): void;
}

/** Where `npm install` builds the addon (this module runs from dist/src/linalg/). */
export const BLAS_GEMM_ADDON = fileURLToPath(new URL('../../../native/blas-gemm/build/Release/blas_gemm.node', import.meta.url));

let addon: { gemm: BlasGemm | null; error: string } | undefined;

/** Variables OpenBLAS reads once, as it loads. */
const LOAD_TIME_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** Runs `load` with the OpenBLAS environment CORREMBED_OPENBLAS_CORETYPE asks for, then puts the caller's back. */
function withCoreType<T>(load: () => T): T {
  const choice = openBlasCoreType();
  if (choice === 'inherit') return load();
  const saved = LOAD_TIME_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of LOAD_TIME_VARIABLES) delete process.env[name];
  if (choice !== 'auto') process.env.OPENBLAS_CORETYPE = choice;
  try {
    return load();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The addon, or null with the reason it did not load (not built, no libopenblas at run time), tried once per thread. */
export function loadBlasGemm(): { gemm: BlasGemm | null; error: string } {
  if (addon === undefined) {
    try {
      addon = { gemm: withCoreType(() => createRequire(import.meta.url)(BLAS_GEMM_ADDON) as BlasGemm), error: '' };
    } catch (error) {
      addon = { gemm: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return addon;
}

// OpenBLAS sizes its thread pool and picks its CPU kernels when the library loads, from the environment: without
// OPENBLAS_NUM_THREADS it takes every CPU of the host, not of the container (here 404 ms to load instead of 4). The
// main thread sets the count and loads the library at import, so it loads once per process with the environment
// chosen here (worker threads only have a copy of process.env, which the C library never sees).
if (isMainThread) {
  if (process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = String(availableParallelism());
  if (nativeBlasAllowed()) loadBlasGemm();
}
