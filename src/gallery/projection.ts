// A 2-D PCA map of an embedding space: an even sample of its images, their coordinates, and their tags in one category.
import { principalComponents } from './pca.js';
import type { EmbeddingSpace } from './embeddingSpaces.js';

export interface ProjectedRow {
  /** Row in the space. */
  row: number;
  x: number;
  y: number;
  /** The image's tag names in the category; every tag as category:name without one. */
  tags: string[];
}

export interface SpaceProjection {
  explainedVariance: number[];
  /** Images in the space (the sample is drawn from them). */
  total: number;
  points: ProjectedRow[];
}

/** Most points one projection holds. */
export const MAX_PROJECTED = 100_000;
const SEED = 0;

/** `count` rows spread evenly over 0..rows-1 (all of them when there are no more). */
function evenSample(rows: number, count: number): number[] {
  if (rows <= count) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * rows) / count));
}

export function projectSpace(space: EmbeddingSpace, category: string | null, limit: number): SpaceProjection {
  const { vectors, dim, imageItem } = space.prepared;
  const rows = evenSample(imageItem.length, limit);
  const sample = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => sample.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim));
  const pca = principalComponents(sample, rows.length, dim, { axes: 2, seed: SEED });
  const coordinate = (i: number, axis: number): number => (axis < pca.axes ? pca.coordinates[i * pca.axes + axis] : 0);
  return {
    explainedVariance: pca.explainedVariance,
    total: imageItem.length,
    points: rows.map((row, i) => {
      const tags = space.items[imageItem[row]].tags;
      return {
        row,
        x: coordinate(i, 0),
        y: coordinate(i, 1),
        tags:
          category === null ? tags.map((t) => `${t.category}:${t.name}`) : tags.filter((t) => t.category === category).map((t) => t.name),
      };
    }),
  };
}
