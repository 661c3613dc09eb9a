// Embedding matrices: shape checks, finiteness checks and row norms.
import { UserInputError } from '../errors.js';

/** Row-major N x dim float32 matrix, one row per image in dataset order. */
export interface EmbeddingMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/**
 * Checks every value is finite and no row is all zeros, and returns 1 / L2 norm of each row (computed in float64):
 * cosines are dot products scaled by these, so the rows themselves never need rewriting.
 */
export function inverseRowNorms(matrix: EmbeddingMatrix, imageIds: string[]): Float64Array {
  const { rows, dim, data } = matrix;
  if (rows !== imageIds.length) {
    throw new UserInputError(`embeddings have ${rows} rows but the dataset has ${imageIds.length} images`);
  }
  const inverse = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const base = i * dim;
    let sumSq = 0;
    for (let k = 0; k < dim; k++) {
      const v = data[base + k];
      sumSq += v * v;
    }
    if (!Number.isFinite(sumSq)) {
      for (let k = 0; k < dim; k++) {
        const v = data[base + k];
        if (!Number.isFinite(v))
          throw new UserInputError(`embedding of image "${imageIds[i]}" has a non-finite value (${v}) at dimension ${k}`);
      }
    }
    if (sumSq === 0) throw new UserInputError(`embedding of image "${imageIds[i]}" is all zeros: its cosine similarity is undefined`);
    inverse[i] = 1 / Math.sqrt(sumSq);
  }
  return inverse;
}

/** Builds a matrix from the manifest's inline `embedding` arrays. */
export function inlineEmbeddings(images: { id: string; embedding?: number[] }[]): EmbeddingMatrix {
  const first = images[0]?.embedding;
  if (!first)
    throw new UserInputError(`image "${images[0]?.id}" has no embedding: give --embeddings <file.npy> or an "embedding" for every image`);
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
