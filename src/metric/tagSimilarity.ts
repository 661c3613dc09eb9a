// Tag-vector cosines of one query item against every item, overall and per category, from tag postings.
import type { TagIndex } from './prepared.js';

/** Nonzero per-category cosines of the query item against the items in the pair set. */
export interface CategoryCosines {
  indices: Int32Array;
  values: Float64Array;
  count: number;
  sum: number;
  sumSq: number;
  /** True when the values are the same for every item in the pair set (r undefined). */
  constant: boolean;
}

/**
 * Computes x_o = cos(t(o), t(u)) for a query item u. Buffers are reused: a result is valid until the next call.
 * Shared tag counts come from postings, so the cost is the number of (query tag, item holding it) pairs.
 */
export class TagSimilarity {
  readonly x: Float64Array;
  readonly categories: CategoryCosines[];
  private readonly counts: Float64Array;
  private readonly dot: Float64Array;

  constructor(private readonly tags: TagIndex, private readonly itemCount: number, private readonly includeSelf: boolean) {
    this.x = new Float64Array(itemCount);
    this.dot = new Float64Array(itemCount);
    this.counts = new Float64Array(itemCount);
    this.categories = tags.categories.map(() => ({
      indices: new Int32Array(itemCount),
      values: new Float64Array(itemCount),
      count: 0,
      sum: 0,
      sumSq: 0,
      constant: true,
    }));
  }

  /** Fills `x` (dense, every item) and `categories` (sparse, pair set only) for query item u. */
  compute(u: number): void {
    const { tags, counts, dot, x, itemCount } = this;
    const C = tags.categories.length;
    const pairCount = this.includeSelf ? itemCount : itemCount - 1;
    dot.fill(0);
    for (let c = 0; c < C; c++) {
      const cat = this.categories[c];
      cat.count = 0;
      cat.sum = 0;
      cat.sumSq = 0;
      const kU = tags.itemCategoryCount[u * C + c];
      const w2 = tags.categoryWeight[c] ** 2;
      if (kU === 0 || w2 === 0) {
        cat.constant = true;
        continue;
      }
      for (let p = tags.itemTagOffsets[u]; p < tags.itemTagOffsets[u + 1]; p++) {
        const t = tags.itemTags[p];
        if (tags.tagCategory[t] !== c) continue;
        for (let q = tags.postingOffsets[t]; q < tags.postingOffsets[t + 1]; q++) {
          const o = tags.postings[q];
          if (counts[o] === 0) cat.indices[cat.count++] = o;
          counts[o] += 1;
        }
      }
      let min = Infinity;
      let max = -Infinity;
      let kept = 0;
      for (let i = 0; i < cat.count; i++) {
        const o = cat.indices[i];
        const shared = counts[o];
        counts[o] = 0;
        dot[o] += w2 * shared;
        if (o === u && !this.includeSelf) continue;
        const v = shared / Math.sqrt(kU * tags.itemCategoryCount[o * C + c]);
        cat.indices[kept] = o;
        cat.values[kept++] = v;
        cat.sum += v;
        cat.sumSq += v * v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      cat.count = kept;
      cat.constant = kept === 0 || (kept === pairCount && min === max);
    }
    const normU = tags.itemNorm[u];
    for (let o = 0; o < itemCount; o++) {
      const denominator = normU * tags.itemNorm[o];
      x[o] = denominator === 0 ? 0 : dot[o] / denominator;
    }
  }
}
