// Embedding matrices: shape checks, finiteness checks and L2 normalisation.
import { UserInputError } from '../errors.js';

/** Row-major N x dim float32 matrix, one row per image in dataset order. */
export interface EmbeddingMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/**
 * Returns the rows scaled to unit L2 norm (norms computed in float64).
 * Writes into `out` (which may be `matrix.data` itself to normalise in place).
 */
export function normaliseRows<T extends Float32Array | Float64Array>(matrix: EmbeddingMatrix, imageIds: string[], out: T): T {
  const { rows, dim, data } = matrix;
  if (rows !== imageIds.length) {
    throw new UserInputError(`embeddings have ${rows} rows but the dataset has ${imageIds.length} images`);
  }
  for (let i = 0; i < rows; i++) {
    const base = i * dim;
    let sumSq = 0;
    for (let k = 0; k < dim; k++) {
      const v = data[base + k];
      if (!Number.isFinite(v)) {
        throw new UserInputError(`embedding of image "${imageIds[i]}" has a non-finite value (${v}) at dimension ${k}`);
      }
      sumSq += v * v;
    }
    if (sumSq === 0) throw new UserInputError(`embedding of image "${imageIds[i]}" is all zeros: its cosine similarity is undefined`);
    const inv = 1 / Math.sqrt(sumSq);
    for (let k = 0; k < dim; k++) out[base + k] = data[base + k] * inv;
  }
  return out;
}

/** Builds a matrix from the manifest's inline `embedding` arrays. */
export function inlineEmbeddings(images: { id: string; embedding?: number[] }[]): EmbeddingMatrix {
  const first = images[0]?.embedding;
  if (!first) throw new UserInputError(`image "${images[0]?.id}" has no embedding: give --embeddings <file.npy> or an "embedding" for every image`);
  const dim = first.length;
  const data = new Float32Array(images.length * dim);
  images.forEach((image, i) => {
    const e = image.embedding;
    if (!e) throw new UserInputError(`image "${image.id}" has no embedding (every image needs one when no .npy file is given)`);
    if (e.length !== dim) throw new UserInputError(`image "${image.id}" has an embedding of dimension ${e.length}, expected ${dim}`);
    data.set(e, i * dim);
  });
  return { rows: images.length, dim, data };
}
