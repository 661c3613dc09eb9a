// A 2-D map of an embedding space (PCA, or UMAP on its principal components): an even sample, coordinates, tags in a category.
import type { EmbeddingSpace } from './embeddingSpaces.js';
import { type Layout, layout, type ProjectionMethod } from './mapLayout.js';

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

/** `count` rows spread evenly over 0..rows-1 (all of them when there are no more). */
function evenSample(rows: number, count: number): number[] {
  if (rows <= count) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * rows) / count));
}

/** UMAP layouts by space and sample size: seconds to fit, and the same every time for the same embeddings. */
const umapLayouts = new WeakMap<EmbeddingSpace, Map<number, Promise<Layout>>>();

function cachedUmap(space: EmbeddingSpace, sample: Float32Array, rows: number, dim: number): Promise<Layout> {
  let bySize = umapLayouts.get(space);
  if (!bySize) umapLayouts.set(space, (bySize = new Map()));
  let placed = bySize.get(rows);
  if (!placed) {
    placed = layout({ method: 'umap', sample, rows, dim });
    bySize.set(rows, placed);
    placed.catch(() => bySize.delete(rows));
  }
  return placed;
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
  const { coordinates, explainedVariance } =
    method === 'umap' ? await cachedUmap(space, sample, rows.length, dim) : await layout({ method, sample, rows: rows.length, dim });
  const coordinate = (i: number, axis: number): number => coordinates[2 * i + axis];
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
