// Picks the similarity kernel: OpenBLAS through the native addon when it is built and allowed, else onnxruntime's MLAS.
import { availableParallelism } from 'node:os';
import { blasSimilarityKernelFactory } from './blasSimilarityKernel.js';
import { loadBlasGemm, nativeBlasSettings, scoringBlasGemm } from './nativeAddon.js';
import type { SimilarityKernelFactory } from './similarityKernel.js';

/** Which kernel scoring uses in this process, and why (docs/install.md, "Optional native addons"; bench:gemm). */
export function similarityKernelName(): string {
  if (!nativeBlasSettings().allowed) return 'onnxruntime-node (MLAS): CORREMBED_NATIVE_BLAS=false';
  const { gemm, error } = loadBlasGemm();
  return gemm ? `native OpenBLAS: ${gemm.describe()}` : `onnxruntime-node (MLAS): native addon not loaded (${error})`;
}

/**
 * A kernel factory over rows of `dim` values for `threads` GEMM threads (0: one per core). The onnxruntime fallback
 * is imported and its session opened at once, so a caller that starts this early overlaps both with its own work.
 */
export async function openSimilarityKernelFactory(dim: number, double: boolean, threads = 0): Promise<SimilarityKernelFactory> {
  const gemm = scoringBlasGemm();
  if (gemm) return blasSimilarityKernelFactory(gemm, threads > 0 ? threads : availableParallelism());
  const { createGemmSession, kernelOnSession } = await import('./ortSimilarityKernel.js');
  // The first kernel takes the session opened here; a later one opens its own (closing a kernel releases its session).
  let prepared: ReturnType<typeof createGemmSession> | undefined = createGemmSession(dim, double, threads);
  prepared.catch(() => undefined);
  return async (targets, rows) => {
    const session = prepared ?? createGemmSession(dim, double, threads);
    prepared = undefined;
    return kernelOnSession(await session, targets, rows, dim);
  };
}
