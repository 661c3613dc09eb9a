// Embeddings scaled to unit length in float32 the way torch.nn.functional.cosine_similarity scales them.
import { largeFloatArray } from '../linalg/hugePages.js';
import type { EmbeddingMatrix } from './embeddings.js';

/** cosine_similarity's default eps: a squared norm below eps^2 is clamped to it. */
const TORCH_EPS = 1e-8;
const EPS_SQUARED = Math.fround(TORCH_EPS * TORCH_EPS);

/**
 * Each row divided by sqrt(max(sum of squares, eps^2)), every step rounded to float32 as torch (checked on 1.13)
 * computes x / ||x|| before the product's float32 sum. The sum of squares is accumulated in float64 and rounded once,
 * which is what torch's cascaded float32 sum gives but for its last bit. Shared memory, ready for worker threads.
 */
export function torchUnitRows(matrix: EmbeddingMatrix): Float32Array {
  const { rows, dim, data } = matrix;
  const out = largeFloatArray(false, rows * dim, true) as Float32Array;
  for (let i = 0; i < rows; i++) {
    const base = i * dim;
    let sumSq = 0;
    for (let k = 0; k < dim; k++) sumSq += Math.fround(data[base + k] * data[base + k]);
    const norm = Math.fround(Math.sqrt(Math.max(Math.fround(sumSq), EPS_SQUARED)));
    for (let k = 0; k < dim; k++) out[base + k] = data[base + k] / norm;
  }
  return out;
}
