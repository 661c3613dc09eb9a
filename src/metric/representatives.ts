// Item representatives (first image, nearest image, mean over images): the target matrix and per-query values.
import { largeFloatArray } from '../linalg/hugePages.js';
import type { FloatArray } from '../linalg/similarityKernel.js';
import type { Representative } from './options.js';
import type { PreparedDataset } from './prepared.js';

export interface RepresentativePlan {
  /** Row-major target matrix the queries are multiplied against. */
  targets: FloatArray;
  rows: number;
  /** Representative similarity (times the query's norm) of every item for query b of a block (valid until the next call). */
  values(block: FloatArray, b: number): FloatArray;
}

/** A new matrix of the same precision as the dataset's embeddings. */
function sameKind(data: PreparedDataset, length: number): FloatArray {
  return largeFloatArray(data.vectors instanceof Float64Array, length);
}

/** Unit-norm copies of the given images' embeddings, one row each. */
function unitRows(data: PreparedDataset, images: ArrayLike<number>): FloatArray {
  const { dim, vectors, inverseNorm } = data;
  const out = sameKind(data, images.length * dim);
  for (let r = 0; r < images.length; r++) {
    const image = images[r];
    const scale = inverseNorm[image];
    for (let k = 0; k < dim; k++) out[r * dim + k] = vectors[image * dim + k] * scale;
  }
  return out;
}

/** Mean of each item's unit embeddings: its dot with a unit query is the mean of the query's cosines. */
function itemMeans(data: PreparedDataset): FloatArray {
  const { dim, vectors, inverseNorm, itemImageOffsets, itemImages } = data;
  const R = data.itemIds.length;
  const out = sameKind(data, R * dim);
  const acc = new Float64Array(dim);
  for (let o = 0; o < R; o++) {
    acc.fill(0);
    const start = itemImageOffsets[o];
    const end = itemImageOffsets[o + 1];
    for (let p = start; p < end; p++) {
      const image = itemImages[p];
      const scale = inverseNorm[image];
      for (let k = 0; k < dim; k++) acc[k] += vectors[image * dim + k] * scale;
    }
    for (let k = 0; k < dim; k++) out[o * dim + k] = acc[k] / (end - start);
  }
  return out;
}

/** Unit-norm representatives as rows of a target matrix: `first` and `mean` give one row per item, `nearest` every image. */
export function representativeTargets(data: PreparedDataset, rule: Representative): { targets: FloatArray; rows: number } {
  switch (rule) {
    case 'first':
      return {
        targets: unitRows(
          data,
          Int32Array.from({ length: data.itemIds.length }, (_, o) => data.itemImages[data.itemImageOffsets[o]]),
        ),
        rows: data.itemIds.length,
      };
    case 'mean':
      return { targets: itemMeans(data), rows: data.itemIds.length };
    case 'nearest':
      return {
        targets: unitRows(
          data,
          Int32Array.from({ length: data.imageIds.length }, (_, i) => i),
        ),
        rows: data.imageIds.length,
      };
  }
}

/** How a block of query-by-target products turns into one value per item. */
export function representativePlan(data: PreparedDataset, rule: Representative, targets: FloatArray): RepresentativePlan {
  const R = data.itemIds.length;
  if (rule !== 'nearest') return { targets, rows: R, values: (block, b) => block.subarray(b * R, (b + 1) * R) };
  const N = data.imageIds.length;
  const { itemImageOffsets, itemImages } = data;
  const out = data.vectors instanceof Float64Array ? new Float64Array(R) : new Float32Array(R);
  return {
    targets,
    rows: N,
    values(block, b) {
      const base = b * N;
      for (let o = 0; o < R; o++) {
        let best = -Infinity;
        for (let p = itemImageOffsets[o]; p < itemImageOffsets[o + 1]; p++) {
          const s = block[base + itemImages[p]];
          if (s > best) best = s;
        }
        out[o] = best;
      }
      return out;
    },
  };
}
