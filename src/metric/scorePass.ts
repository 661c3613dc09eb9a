// One streamed pass over query blocks: blocked similarity products, then per-query r, per-category r and retrieval.
import type { SimilarityKernelFactory } from '../linalg/similarityKernel.js';
import { averageRanks, pearsonFromSums } from './correlation.js';
import type { MetricOptions } from './options.js';
import type { PreparedDataset } from './prepared.js';
import { representativePlan } from './representatives.js';
import { RetrievalAccumulator, type RetrievalSummary } from './retrieval.js';
import { TagSimilarity } from './tagSimilarity.js';

export interface PassOptions extends Omit<MetricOptions, 'queries' | 'tagWeighting' | 'roundWeights'> {
  perCategory: boolean;
  retrievalK: number[] | null;
  /** Queries per similarity block (default: sized from the target count). */
  blockSize?: number;
}

export interface PassResult {
  /** r of each query, in the order of the `queries` argument (NaN: undefined, dropped). */
  r: Float64Array;
  /** Per-category r, row-major queries x categories (NaN: undefined). */
  categoryR: Float64Array | null;
  retrieval: RetrievalSummary | null;
}

export type ProgressListener = (done: number, total: number) => void;

/** Keeps a query block's similarity output near 8M floats (32 MB) while staying GEMM-efficient. */
function blockSizeFor(targetRows: number): number {
  return Math.max(32, Math.min(512, Math.floor(8_000_000 / Math.max(1, targetRows))));
}

/** Sums of the x side over the pair set, in the form the correlation needs (shifted values or ranks). */
interface XSide {
  values: Float64Array;
  sum: number;
  sumSq: number;
  constant: boolean;
}

export async function runScorePass(
  data: PreparedDataset,
  queries: Int32Array,
  options: PassOptions,
  kernelFactory: SimilarityKernelFactory,
  onProgress?: ProgressListener,
): Promise<PassResult> {
  const R = data.itemIds.length;
  const C = data.tags.categories.length;
  const Q = queries.length;
  const dim = data.dim;
  const spearman = options.correlation === 'spearman';
  const scale = options.roundSimilarity === null ? null : 10 ** options.roundSimilarity;
  const plan = representativePlan(data, options.representative);
  const tagSimilarity = new TagSimilarity(data.tags, R, options.includeSelf);
  const retrieval = options.retrievalK ? new RetrievalAccumulator(options.retrievalK) : null;

  const r = new Float64Array(Q).fill(NaN);
  const categoryR = options.perCategory ? new Float64Array(Q * C).fill(NaN) : null;
  const x: XSide = { values: new Float64Array(R), sum: 0, sumSq: 0, constant: true };
  const categoryRanks = spearman && options.perCategory ? Array.from({ length: C }, () => ({ ...x, values: new Float64Array(R) })) : [];
  const y = new Float64Array(R);
  const yRanks = new Float64Array(R);
  const dy = new Float64Array(R);
  const dense = new Float64Array(R);

  // Process queries grouped by item so each item's tag cosines are computed once.
  const order = Int32Array.from({ length: Q }, (_, p) => p).sort((a, b) => data.imageItem[queries[a]] - data.imageItem[queries[b]] || a - b);

  let item = -1;
  let skip = -1;
  let pairCount = 0;
  let first = 0;

  const setItem = (u: number): void => {
    item = u;
    skip = options.includeSelf ? -1 : u;
    pairCount = options.includeSelf ? R : R - 1;
    first = skip === 0 ? 1 : 0;
    tagSimilarity.compute(u);
    fillXSide(tagSimilarity.x, x);
    categoryRanks.forEach((side, c) => {
      const cat = tagSimilarity.categories[c];
      dense.fill(0);
      for (let i = 0; i < cat.count; i++) dense[cat.indices[i]] = cat.values[i];
      fillXSide(dense, side);
      side.constant = cat.constant;
    });
    retrieval?.setQueryItem(u, tagSimilarity.x);
  };

  const fillXSide = (source: Float64Array, side: XSide): void => {
    let min = Infinity;
    let max = -Infinity;
    for (let o = 0; o < R; o++) {
      if (o === skip) continue;
      if (source[o] < min) min = source[o];
      if (source[o] > max) max = source[o];
    }
    side.constant = pairCount === 0 || min === max;
    if (spearman) averageRanks(source, skip, side.values);
    else side.values.set(source);
    const shift = pairCount > 0 ? side.values[first] : 0;
    let sum = 0;
    let sumSq = 0;
    for (let o = 0; o < R; o++) {
      if (o === skip) continue;
      const v = side.values[o] - shift;
      side.values[o] = v;
      sum += v;
      sumSq += v * v;
    }
    side.sum = sum;
    side.sumSq = sumSq;
  };

  const scoreQuery = (p: number, similarities: Float32Array): void => {
    if (pairCount === 0) return;
    if (scale === null) for (let o = 0; o < R; o++) y[o] = similarities[o];
    else {
      for (let o = 0; o < R; o++) {
        const t = similarities[o] * scale;
        let v = Math.round(t);
        if (v - t === 0.5 && v % 2 !== 0) v -= 1;
        y[o] = v;
      }
    }
    const yv = spearman ? yRanks : y;
    if (spearman) averageRanks(y, skip, yRanks);
    const shift = yv[first];
    const xv = x.values;
    let sy = 0;
    let syy = 0;
    let sxy = 0;
    for (let o = 0; o < R; o++) {
      if (o === skip) continue;
      const d = yv[o] - shift;
      dy[o] = d;
      sy += d;
      syy += d * d;
      sxy += xv[o] * d;
    }
    if (!x.constant) r[p] = pearsonFromSums(pairCount, x.sum, sy, x.sumSq, syy, sxy);
    if (categoryR) scoreCategories(p, sy, syy);
  };

  const scoreCategories = (p: number, sy: number, syy: number): void => {
    for (let c = 0; c < C; c++) {
      let sum: number, sumSq: number, sxy = 0;
      if (spearman) {
        const side = categoryRanks[c];
        if (side.constant) continue;
        for (let o = 0; o < R; o++) if (o !== skip) sxy += side.values[o] * dy[o];
        sum = side.sum;
        sumSq = side.sumSq;
      } else {
        const cat = tagSimilarity.categories[c];
        if (cat.constant) continue;
        for (let i = 0; i < cat.count; i++) sxy += cat.values[i] * dy[cat.indices[i]];
        sum = cat.sum;
        sumSq = cat.sumSq;
      }
      categoryR![p * C + c] = pearsonFromSums(pairCount, sum, sy, sumSq, syy, sxy);
    }
  };

  const kernel = await kernelFactory(plan.targets, plan.rows, dim);
  try {
    const blockSize = options.blockSize ?? blockSizeFor(plan.rows);
    const multiplyBlock = (start: number): Promise<Float32Array> => {
      const count = Math.min(blockSize, Q - start);
      const block = new Float32Array(count * dim);
      for (let b = 0; b < count; b++) {
        const image = queries[order[start + b]];
        block.set(data.unit.subarray(image * dim, (image + 1) * dim), b * dim);
      }
      return kernel.multiply(block, count);
    };
    let pending = Q > 0 ? multiplyBlock(0) : null;
    for (let start = 0; start < Q; start += blockSize) {
      const products = await pending!;
      pending = start + blockSize < Q ? multiplyBlock(start + blockSize) : null;
      const count = Math.min(blockSize, Q - start);
      for (let b = 0; b < count; b++) {
        const p = order[start + b];
        const u = data.imageItem[queries[p]];
        if (u !== item) setItem(u);
        const similarities = plan.values(products, b);
        scoreQuery(p, similarities);
        retrieval?.addQuery(u, similarities, tagSimilarity.x);
      }
      onProgress?.(start + count, Q);
    }
  } finally {
    await kernel.close();
  }
  return { r, categoryR, retrieval: retrieval ? retrieval.summary() : null };
}
