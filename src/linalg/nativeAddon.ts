// Loads the optional Node-API addon (native/blas-gemm: OpenBLAS GEMM, huge-page advice, native scoring loops) once per process.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
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

/** Whether the addon is used and which CPU kernels its OpenBLAS runs (CORREMBED_NATIVE_BLAS, CORREMBED_OPENBLAS_CORETYPE). */
export interface NativeBlasSettings {
  /** false: scoring runs on onnxruntime even when the addon is built. */
  allowed: boolean;
  /**
   * `auto` lets OpenBLAS detect the CPU, setting aside OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE inherited from the
   * environment (often pinned for other programs: Haswell kernels on an AVX-512 machine run SGEMM at 0.6 of its
   * speed); `inherit` keeps them; any other value is an OpenBLAS core name (Haswell, SkylakeX, Zen, ...).
   */
  coreType: string;
}

let settings: NativeBlasSettings = { allowed: true, coreType: 'auto' };
let addon: { gemm: BlasGemm | null; error: string } | undefined;

/** Variables OpenBLAS reads once, as it loads. */
const LOAD_TIME_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/**
 * Runs `load` with the OpenBLAS environment the core type asks for, then puts the caller's back. OpenBLAS sizes its
 * thread pool as it loads too: without OPENBLAS_NUM_THREADS it takes every CPU of the host, not of the container
 * (here 404 ms to load instead of 4), so an unset count becomes this process's parallelism meanwhile.
 */
function withLoadEnvironment<T>(coreType: string, load: () => T): T {
  const variables = coreType === 'inherit' ? ['OPENBLAS_NUM_THREADS'] : [...LOAD_TIME_VARIABLES, 'OPENBLAS_NUM_THREADS'];
  const saved = variables.map((name) => [name, process.env[name]] as const);
  if (coreType !== 'inherit') for (const name of LOAD_TIME_VARIABLES) delete process.env[name];
  if (coreType !== 'auto' && coreType !== 'inherit') process.env.OPENBLAS_CORETYPE = coreType;
  process.env.OPENBLAS_NUM_THREADS ??= String(availableParallelism());
  try {
    return load();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Sets whether the addon is used and how its OpenBLAS loads, and on the main thread loads it now: the C library loads
 * once per process, with the environment chosen here (worker threads only have a copy of process.env, which the C
 * library never sees), so the process's start calls this before any worker thread starts.
 */
export function useNativeBlas(chosen: NativeBlasSettings): void {
  settings = chosen;
  if (isMainThread && chosen.allowed) loadBlasGemm();
}

/** The settings in force (worker threads are handed them: see parallelScoring.ts). */
export function nativeBlasSettings(): NativeBlasSettings {
  return settings;
}

/** The addon for scoring: null when it is turned off (CORREMBED_NATIVE_BLAS=false) or did not load. */
export function scoringBlasGemm(): BlasGemm | null {
  return settings.allowed ? loadBlasGemm().gemm : null;
}

/** The addon, or null with the reason it did not load (not built, no libopenblas at run time), tried once per thread. */
export function loadBlasGemm(): { gemm: BlasGemm | null; error: string } {
  if (addon === undefined) {
    try {
      addon = {
        gemm: withLoadEnvironment(settings.coreType, () => createRequire(import.meta.url)(BLAS_GEMM_ADDON) as BlasGemm),
        error: '',
      };
    } catch (error) {
      addon = { gemm: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return addon;
}
