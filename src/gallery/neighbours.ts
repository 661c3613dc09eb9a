// The images nearest to one image in an embedding space (cosine, best first), with their tag similarity to it.
import type { EmbeddingSpace } from './embeddingSpaces.js';

export interface Neighbour {
  rank: number;
  /** Row in the space. */
  row: number;
  similarity: number;
  tagSimilarity: number;
  sameItem: boolean;
}

/** Most neighbours one query asks for. */
export const MAX_NEIGHBOURS = 100;

/** The k rows most similar to `row` (itself left out), best first; equal similarities keep dataset order. */
export function nearestNeighbours(space: EmbeddingSpace, row: number, k: number): Neighbour[] {
  const { vectors, dim, imageItem } = space.prepared;
  const rows = imageItem.length;
  const best: { row: number; similarity: number }[] = [];
  const base = row * dim;
  for (let j = 0; j < rows; j++) {
    if (j === row) continue;
    let dot = 0;
    const other = j * dim;
    for (let d = 0; d < dim; d++) dot += vectors[base + d] * vectors[other + d];
    if (best.length === k && dot <= best[k - 1].similarity) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].similarity < dot) at--;
    best.splice(at, 0, { row: j, similarity: dot });
    if (best.length > k) best.pop();
  }
  const item = imageItem[row];
  space.tagSimilarity.compute(item);
  const x = space.tagSimilarity.x;
  return best.map((b, i) => ({
    rank: i + 1,
    row: b.row,
    similarity: b.similarity,
    tagSimilarity: x[imageItem[b.row]],
    sameItem: imageItem[b.row] === item,
  }));
}
