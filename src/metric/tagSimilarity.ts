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
  /** 1 / norm of each item's tag vector (0 for an item without tags, whose cosines are 0). */
  private readonly inverseNorm: Float64Array;

  constructor(
    private readonly tags: TagIndex,
    private readonly itemCount: number,
    private readonly includeSelf: boolean,
    private readonly perCategory = true,
  ) {
    this.x = new Float64Array(itemCount);
    this.dot = new Float64Array(itemCount);
    this.counts = new Float64Array(itemCount);
    this.inverseNorm = tags.itemNorm.map((n) => (n === 0 ? 0 : 1 / n));
    this.categories = tags.categories.map(() => ({
      indices: new Int32Array(itemCount),
      values: new Float64Array(itemCount),
      count: 0,
      sum: 0,
      sumSq: 0,
      constant: true,
    }));
  }

  /** Fills `x` (dense, every item) and, when enabled, `categories` (sparse, pair set only) for query item u. */
  compute(u: number): void {
    const { tags, dot, x, itemCount } = this;
    const { itemTagOffsets, itemTags, tagCategory, categoryWeight, postingOffsets, postings } = tags;
    dot.fill(0);
    for (let p = itemTagOffsets[u]; p < itemTagOffsets[u + 1]; p++) {
      const t = itemTags[p];
      const w2 = categoryWeight[tagCategory[t]] ** 2;
      if (w2 === 0) continue;
      for (let q = postingOffsets[t]; q < postingOffsets[t + 1]; q++) dot[postings[q]] += w2;
    }
    const inverseNorm = this.inverseNorm;
    const inverseNormU = inverseNorm[u];
    for (let o = 0; o < itemCount; o++) x[o] = dot[o] * inverseNorm[o] * inverseNormU;
    if (this.perCategory) for (let c = 0; c < tags.categories.length; c++) this.computeCategory(u, c);
  }

  private computeCategory(u: number, c: number): void {
    const { tags, counts } = this;
    const C = tags.categories.length;
    const cat = this.categories[c];
    cat.count = 0;
    cat.sum = 0;
    cat.sumSq = 0;
    const kU = tags.itemCategoryCount[u * C + c];
    if (kU === 0 || tags.categoryWeight[c] === 0) {
      cat.constant = true;
      return;
    }
    let touched = 0;
    for (let p = tags.itemTagOffsets[u]; p < tags.itemTagOffsets[u + 1]; p++) {
      const t = tags.itemTags[p];
      if (tags.tagCategory[t] !== c) continue;
      for (let q = tags.postingOffsets[t]; q < tags.postingOffsets[t + 1]; q++) {
        const o = tags.postings[q];
        if (counts[o] === 0) cat.indices[touched++] = o;
        counts[o] += 1;
      }
    }
    let min = Infinity;
    let max = -Infinity;
    let kept = 0;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < touched; i++) {
      const o = cat.indices[i];
      const shared = counts[o];
      counts[o] = 0;
      if (o === u && !this.includeSelf) continue;
      const v = shared / Math.sqrt(kU * tags.itemCategoryCount[o * C + c]);
      cat.indices[kept] = o;
      cat.values[kept++] = v;
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const pairCount = this.includeSelf ? this.itemCount : this.itemCount - 1;
    cat.count = kept;
    cat.sum = sum;
    cat.sumSq = sumSq;
    cat.constant = kept === 0 || (kept === pairCount && min === max);
  }
}
