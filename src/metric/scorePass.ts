// One streamed pass over query blocks: blocked similarity products, then per-query r, per-category r and retrieval.
import { largeFloatArray } from '../linalg/hugePages.js';
import type { FloatArray, SimilarityKernelFactory } from '../linalg/similarityKernel.js';
import { averageRanks, pearsonFromSums } from './correlation.js';
import type { MetricOptions } from './options.js';
import type { PreparedDataset } from './prepared.js';
import { nativePearsonSums, rankedPearsonSums, roundedPearsonSums, type PearsonSums, type YSums } from './queryCorrelation.js';
import { representativePlan } from './representatives.js';
import { RetrievalAccumulator, type RetrievalState } from './retrieval.js';
import { TagSimilarity } from './tagSimilarity.js';

export interface PassOptions
  extends Omit<
    MetricOptions,
    'queries' | 'tagWeighting' | 'roundWeights' | 'weightRounding' | 'tagIdentity' | 'dropCategories' | 'precision'
  > {
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
  retrieval: RetrievalState | null;
}

export type ProgressListener = (done: number, total: number) => void;

/** Query rows go to the kernel in whole groups of this many (blas_gemm.c's LANE_GROUP): blocks are multiples of it. */
export const QUERY_ROW_GROUP = 48;

/**
 * Queries per similarity block for `gemmThreads` GEMM threads: up to 1008 per thread, a multiple of QUERY_ROW_GROUP,
 * with each thread's share of the output at most `outputFloats` (default 2^23, 32 MiB: onnxruntime page-faults a
 * fresh output on every call; the native kernel reuses two). Every GEMM thread repacks all the targets for each
 * product, so taller blocks amortise that: at 20,000 targets, 419 rows instead of 200 cut the CPU time by 7 to 14%;
 * at 8,000, 1008 instead of 480 by 3 to 6%; at 20,000 on 2 threads, 1632 instead of 768 by 8 to 12%. The block size
 * changes no product.
 */
export function blockSizeFor(targetRows: number, gemmThreads = 1, outputFloats = 2 ** 23): number {
  const rows = Math.max(QUERY_ROW_GROUP, Math.min(1008, Math.floor(outputFloats / Math.max(1, targetRows))));
  return (rows - (rows % QUERY_ROW_GROUP)) * gemmThreads;
}

/** The x side of one query item over the pair set: shifted values (or shifted ranks) and their sums. */
interface XSide {
  values: Float64Array;
  sum: number;
  sumSq: number;
  constant: boolean;
}

function newXSide(n: number): XSide {
  return { values: new Float64Array(n), sum: 0, sumSq: 0, constant: true };
}

/** Fills `side` from `source` over the pair set (all items but `skip`); the skipped entry is set to 0. */
function fillXSide(source: Float64Array, skip: number, spearman: boolean, side: XSide): void {
  const n = source.length;
  const pairCount = skip >= 0 ? n - 1 : n;
  if (pairCount === 0) {
    side.constant = true;
    return;
  }
  const first = skip === 0 ? 1 : 0;
  let min = source[first];
  let max = min;
  if (spearman) averageRanks(source, skip, side.values);
  const values = spearman ? side.values : source;
  const shift = values[first];
  const out = side.values;
  let sum = 0;
  let sumSq = 0;
  for (let o = 0; o < n; o++) {
    if (o === skip) {
      out[o] = 0;
      continue;
    }
    const s = source[o];
    if (s < min) min = s;
    else if (s > max) max = s;
    const v = values[o] - shift;
    out[o] = v;
    sum += v;
    sumSq += v * v;
  }
  side.constant = pairCount < 2 || min === max;
  side.sum = sum;
  side.sumSq = sumSq;
}

/** Scores queries item by item; holds the per-item state the queries of one item share. */
class QueryScorer {
  private r = new Float64Array(0);
  private categoryR: Float64Array | null = null;
  private retrieval: RetrievalAccumulator | null = null;
  private readonly tagSimilarity: TagSimilarity;
  private readonly x: XSide;
  private readonly categoryRanks: XSide[];
  private readonly dense: Float64Array;
  private readonly y: Float64Array;
  private readonly dy: Float64Array;
  private readonly sums: YSums = { sy: 0, syy: 0, sxy: 0 };
  /** Pearson sums in native vector code, when no per-category sums need each query's y values. */
  private readonly fastSums: PearsonSums | null;
  private readonly fastOut = new Float64Array(3);
  private readonly spearman: boolean;
  private readonly scale: number | null;
  private readonly categoryCount: number;
  private item = -1;
  private skip = -1;
  private pairCount = 0;

  constructor(
    private readonly data: PreparedDataset,
    private readonly options: PassOptions,
  ) {
    const R = data.itemIds.length;
    this.categoryCount = data.tags.categories.length;
    this.spearman = options.correlation === 'spearman';
    this.fastSums = options.perCategory ? null : nativePearsonSums();
    this.scale = options.roundSimilarity === null ? null : 10 ** options.roundSimilarity;
    this.tagSimilarity = new TagSimilarity(data.tags, R, options.includeSelf, options.perCategory);
    this.x = newXSide(R);
    this.categoryRanks = this.spearman && options.perCategory ? data.tags.categories.map(() => newXSide(R)) : [];
    this.dense = new Float64Array(R);
    this.y = new Float64Array(R);
    this.dy = new Float64Array(R);
  }

  /** Starts a run of `queryCount` queries: fresh results, and the next query recomputes its item's tag side. */
  begin(queryCount: number): void {
    this.r = new Float64Array(queryCount).fill(NaN);
    this.categoryR = this.options.perCategory ? new Float64Array(queryCount * this.categoryCount).fill(NaN) : null;
    this.retrieval = this.options.retrievalK ? new RetrievalAccumulator(this.options.retrievalK) : null;
    this.item = -1;
  }

  /** The results of the current run. */
  result(): PassResult {
    return { r: this.r, categoryR: this.categoryR, retrieval: this.retrieval ? this.retrieval.state() : null };
  }

  /**
   * Scores query number p (position in the query list), whose image belongs to item u; `similarities` are dot
   * products of the raw query with unit representatives, so `inverseNorm` (1 / |query|) turns them into cosines.
   */
  score(p: number, u: number, similarities: FloatArray, inverseNorm: number): void {
    if (u !== this.item) this.setItem(u);
    if (this.pairCount >= 2) {
      const { x, sums } = this;
      const scale = (this.scale ?? 1) * inverseNorm;
      if (this.spearman) rankedPearsonSums(similarities, scale, this.scale !== null, x.values, this.skip, this.y, this.dy, sums);
      else if (this.fastSums) {
        const out = this.fastOut;
        this.fastSums(similarities, scale, this.scale !== null, x.values, this.skip, out);
        sums.sy = out[0];
        sums.syy = out[1];
        sums.sxy = out[2];
      } else roundedPearsonSums(similarities, scale, this.scale !== null, x.values, this.skip, this.dy, sums);
      if (!x.constant) this.r[p] = pearsonFromSums(this.pairCount, x.sum, sums.sy, x.sumSq, sums.syy, sums.sxy);
      if (this.categoryR) this.scoreCategories(p);
    }
    this.retrieval?.addQuery(u, similarities, this.tagSimilarity.x);
  }

  private setItem(u: number): void {
    const R = this.data.itemIds.length;
    this.item = u;
    this.skip = this.options.includeSelf ? -1 : u;
    this.pairCount = this.options.includeSelf ? R : R - 1;
    const out = this.fastOut;
    if (!this.spearman && this.tagSimilarity.computeSide(u, this.skip, this.x.values, out)) {
      this.x.sum = out[0];
      this.x.sumSq = out[1];
      this.x.constant = out[2] === 1;
    } else {
      this.tagSimilarity.compute(u);
      fillXSide(this.tagSimilarity.x, this.skip, this.spearman, this.x);
    }
    this.categoryRanks.forEach((side, c) => {
      const cat = this.tagSimilarity.categories[c];
      this.dense.fill(0);
      for (let i = 0; i < cat.count; i++) this.dense[cat.indices[i]] = cat.values[i];
      fillXSide(this.dense, this.skip, true, side);
      side.constant = cat.constant;
    });
    this.retrieval?.setQueryItem(u, this.tagSimilarity.x);
  }

  private scoreCategories(p: number): void {
    const { dy, sums, pairCount, categoryCount } = this;
    for (let c = 0; c < categoryCount; c++) {
      let sxy = 0;
      let sum: number;
      let sumSq: number;
      if (this.spearman) {
        const side = this.categoryRanks[c];
        if (side.constant) continue;
        const values = side.values;
        for (let o = 0; o < values.length; o++) sxy += values[o] * dy[o];
        sum = side.sum;
        sumSq = side.sumSq;
      } else {
        const cat = this.tagSimilarity.categories[c];
        if (cat.constant) continue;
        const { indices, values, count } = cat;
        for (let i = 0; i < count; i++) sxy += values[i] * dy[indices[i]];
        sum = cat.sum;
        sumSq = cat.sumSq;
      }
      this.categoryR![p * categoryCount + c] = pearsonFromSums(pairCount, sum, sums.sy, sumSq, sums.syy, sxy);
    }
  }
}

/** Scores runs of queries against one kernel, reusing the per-pass state (see openQueryRunScorer). */
export interface QueryRunScorer {
  /**
   * Per-query results for `queries` (image indices), in their order; a run scored alone gives the same values.
   * `position`: where the run starts in its pass's scoring order (0: the whole pass), so blocks line up with the pass.
   */
  score(queries: Int32Array, onProgress?: ProgressListener, position?: number): Promise<PassResult>;
  close(): Promise<void>;
}

/**
 * Opens a scorer over `targets` (see representativeTargets) for any number of query runs: worker threads score
 * the chunks of a pass one after another with it, keeping the kernel and the tag tables.
 */
export async function openQueryRunScorer(
  data: PreparedDataset,
  targets: FloatArray,
  options: PassOptions,
  kernelFactory: SimilarityKernelFactory,
): Promise<QueryRunScorer> {
  const dim = data.dim;
  const plan = representativePlan(data, options.representative, targets);
  const scorer = new QueryScorer(data, options);
  const kernel = await kernelFactory(plan.targets, plan.rows, dim);
  const blockSize = options.blockSize ?? blockSizeFor(plan.rows);
  // Two query buffers in turn: a block's buffer is refilled only after its product has been consumed.
  const buffers = [0, 1].map(() => largeFloatArray(data.vectors instanceof Float64Array, blockSize * dim));
  return {
    async score(queries, onProgress, position = 0) {
      const Q = queries.length;
      scorer.begin(Q);
      // Queries grouped by item, so each item's tag cosines are computed once.
      const order = Int32Array.from({ length: Q }, (_, p) => p).sort(
        (a, b) => data.imageItem[queries[a]] - data.imageItem[queries[b]] || a - b,
      );
      // Blocks start at multiples of blockSize in the pass (so the first may be shorter): the same ones as a whole pass.
      const head = Math.min(Q, blockSize - (position % blockSize));
      const bounds = [0];
      for (let end = head; bounds[bounds.length - 1] < Q; end += blockSize) bounds.push(Math.min(end, Q));
      const multiplyBlock = (k: number): Promise<FloatArray> => {
        const start = bounds[k];
        const count = bounds[k + 1] - start;
        const block = buffers[k % 2];
        for (let b = 0; b < count; b++) {
          const image = queries[order[start + b]];
          block.set(data.vectors.subarray(image * dim, (image + 1) * dim), b * dim);
        }
        return kernel.multiply(block, count, position + start);
      };
      const blocks = bounds.length - 1;
      let pending = blocks > 0 ? multiplyBlock(0) : null;
      for (let k = 0; k < blocks; k++) {
        const products = await pending!;
        pending = k + 1 < blocks ? multiplyBlock(k + 1) : null;
        const start = bounds[k];
        const count = bounds[k + 1] - start;
        for (let b = 0; b < count; b++) {
          const p = order[start + b];
          const image = queries[p];
          scorer.score(p, data.imageItem[image], plan.values(products, b), data.inverseNorm[image]);
        }
        onProgress?.(start + count, Q);
      }
      return scorer.result();
    },
    close: () => kernel.close(),
  };
}

/**
 * Scores `queries` (image indices) against every item: blocked similarity products from `targets` (see
 * representativeTargets), then the per-query correlations. A shard of the queries (a run of the pass's scoring
 * order starting at `position`) gives the same per-query values as the whole, so shards can run anywhere and be
 * concatenated.
 */
export async function scoreShard(
  data: PreparedDataset,
  targets: FloatArray,
  queries: Int32Array,
  options: PassOptions,
  kernelFactory: SimilarityKernelFactory,
  onProgress?: ProgressListener,
  position = 0,
): Promise<PassResult> {
  const runner = await openQueryRunScorer(data, targets, options, kernelFactory);
  try {
    return await runner.score(queries, onProgress, position);
  } finally {
    await runner.close();
  }
}
