// Chance-level baselines from the same pipeline: random embeddings, embeddings shuffled across images, tags shuffled across items.
import type { DatasetManifest } from './dataset.js';
import type { EmbeddingMatrix } from './embeddings.js';
import { createRng, permutation } from './random.js';

export type BaselineName = 'randomEmbeddings' | 'shuffledEmbeddings' | 'shuffledTags';

export interface BaselineInput {
  name: BaselineName;
  manifest: DatasetManifest;
  embeddings: EmbeddingMatrix;
}

/** One uniform [0, 1) vector per image, as the authors' random baseline. */
function randomEmbeddings(rows: number, dim: number, seed: number): EmbeddingMatrix {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { rows, dim, data };
}

function shuffledRows(matrix: EmbeddingMatrix, seed: number): EmbeddingMatrix {
  const { rows, dim } = matrix;
  const p = permutation(rows, createRng(seed));
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) data.set(matrix.data.subarray(p[i] * dim, (p[i] + 1) * dim), i * dim);
  return { rows, dim, data };
}

/** Reassigns the tag lists of the items that have images among themselves. */
function shuffledTags(manifest: DatasetManifest, seed: number): DatasetManifest {
  const withImages = new Set(manifest.images.map((i) => i.item));
  const positions = manifest.items.flatMap((item, i) => (withImages.has(item.id) ? [i] : []));
  const p = permutation(positions.length, createRng(seed));
  const items = manifest.items.slice();
  positions.forEach((pos, k) => (items[pos] = { id: manifest.items[pos].id, tags: manifest.items[positions[p[k]]].tags }));
  return { ...manifest, items };
}

/** The three baseline inputs; `embeddings` must be the original (not yet normalised) matrix. */
export function baselineInputs(manifest: DatasetManifest, embeddings: EmbeddingMatrix, seed: number): BaselineInput[] {
  return [
    { name: 'randomEmbeddings', manifest, embeddings: randomEmbeddings(embeddings.rows, embeddings.dim, seed) },
    { name: 'shuffledEmbeddings', manifest, embeddings: shuffledRows(embeddings, seed + 1) },
    { name: 'shuffledTags', manifest: shuffledTags(manifest, seed + 2), embeddings },
  ];
}
