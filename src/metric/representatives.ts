// Item representatives (first image, nearest image, mean over images): the target matrix and per-query values.
import type { FloatArray } from '../linalg/similarityKernel.js';
import type { Representative } from './options.js';
import type { PreparedDataset } from './prepared.js';

export interface RepresentativePlan {
  /** Row-major target matrix the queries are multiplied against. */
  targets: FloatArray;
  rows: number;
  /** Representative similarity of every item for query b of a kernel output block (valid until the next call). */
  values(block: FloatArray, b: number): FloatArray;
}

/** A new matrix of the same precision as the dataset's unit embeddings. */
function sameKind(data: PreparedDataset, length: number): FloatArray {
  return data.unit instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

function gatherFirstImages(data: PreparedDataset): FloatArray {
  const { dim, unit, itemImageOffsets, itemImages } = data;
  const R = data.itemIds.length;
  const out = sameKind(data, R * dim);
  for (let o = 0; o < R; o++) {
    const image = itemImages[itemImageOffsets[o]];
    out.set(unit.subarray(image * dim, (image + 1) * dim), o * dim);
  }
  return out;
}

/** Mean of each item's unit embeddings: its dot with a unit query is the mean of the query's cosines. */
function itemMeans(data: PreparedDataset): FloatArray {
  const { dim, unit, itemImageOffsets, itemImages } = data;
  const R = data.itemIds.length;
  const out = sameKind(data, R * dim);
  const acc = new Float64Array(dim);
  for (let o = 0; o < R; o++) {
    acc.fill(0);
    const start = itemImageOffsets[o];
    const end = itemImageOffsets[o + 1];
    for (let p = start; p < end; p++) {
      const base = itemImages[p] * dim;
      for (let k = 0; k < dim; k++) acc[k] += unit[base + k];
    }
    for (let k = 0; k < dim; k++) out[o * dim + k] = acc[k] / (end - start);
  }
  return out;
}

function directPlan(targets: FloatArray, rows: number): RepresentativePlan {
  return { targets, rows, values: (block, b) => block.subarray(b * rows, (b + 1) * rows) };
}

/** Every image is a target; an item's value is the maximum over its images. */
function nearestPlan(data: PreparedDataset): RepresentativePlan {
  const N = data.imageIds.length;
  const R = data.itemIds.length;
  const { itemImageOffsets, itemImages } = data;
  const out = sameKind(data, R);
  return {
    targets: data.unit,
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

export function representativePlan(data: PreparedDataset, rule: Representative): RepresentativePlan {
  const R = data.itemIds.length;
  switch (rule) {
    case 'first':
      return directPlan(gatherFirstImages(data), R);
    case 'mean':
      return directPlan(itemMeans(data), R);
    case 'nearest':
      return nearestPlan(data);
  }
}
