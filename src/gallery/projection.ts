// A 2-D map of an embedding space (PCA, or UMAP on its principal components): an even sample, coordinates, tags in a category.
import { principalComponents } from './pca.js';
import type { EmbeddingSpace } from './embeddingSpaces.js';
import { umapLayout } from './umapLayout.js';

export const PROJECTION_METHODS = ['pca', 'umap'] as const;
export type ProjectionMethod = (typeof PROJECTION_METHODS)[number];

export interface ProjectedRow {
  /** Row in the space. */
  row: number;
  x: number;
  y: number;
  /** The image's tag names in the category; every tag as category:name without one. */
  tags: string[];
}

export interface SpaceProjection {
  /** PCA: each axis's share of the variance; UMAP: empty (its axes explain no variance). */
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

/** UMAP layouts by space and sample size: seconds to fit, and the same every time for the same embeddings. */
const umapLayouts = new WeakMap<EmbeddingSpace, Map<number, Promise<Float64Array>>>();

function cachedUmap(space: EmbeddingSpace, sample: Float32Array, rows: number, dim: number): Promise<Float64Array> {
  let bySize = umapLayouts.get(space);
  if (!bySize) umapLayouts.set(space, (bySize = new Map()));
  let layout = bySize.get(rows);
  if (!layout) {
    layout = umapLayout(sample, rows, dim);
    bySize.set(rows, layout);
    layout.catch(() => bySize.delete(rows));
  }
  return layout;
}

export async function projectSpace(
  space: EmbeddingSpace,
  category: string | null,
  limit: number,
  method: ProjectionMethod,
): Promise<SpaceProjection> {
  const { vectors, dim, imageItem } = space.prepared;
  const rows = evenSample(imageItem.length, limit);
  const sample = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => sample.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim));
  let coordinate: (i: number, axis: number) => number;
  let explainedVariance: number[] = [];
  if (method === 'umap') {
    const layout = await cachedUmap(space, sample, rows.length, dim);
    coordinate = (i, axis) => layout[2 * i + axis];
  } else {
    const pca = principalComponents(sample, rows.length, dim, { axes: 2, seed: SEED });
    coordinate = (i, axis) => (axis < pca.axes ? pca.coordinates[i * pca.axes + axis] : 0);
    explainedVariance = pca.explainedVariance;
  }
  return {
    explainedVariance,
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
