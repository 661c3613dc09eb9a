// Tag-vector cosines of one query item against every item, overall and per category, from tag postings.
import { type BlasGemm, scoringBlasGemm } from '../linalg/nativeAddon.js';
import type { TagIndex } from './prepared.js';

/**
 * Nonzero per-category cosines of the query item against the items in the pair set. The entries may include the
 * query's own item when it is excluded from the pairs: callers multiply by a similarity side that is 0 there.
 */
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
  /** 1 / sqrt(number of the item's tags in the category), row-major items x categories (0 when none). */
  private readonly inverseSqrtCount: Float64Array;
  /** Per posting entry: the cosine its item has with any item holding just that one tag of the category. */
  private readonly postingValues: Float64Array;
  /** Per tag: sum, sum of squares, min and max of its posting values. */
  private readonly tagStats: Float64Array;
  /** Per category: buffers for the multi-tag case (single-tag categories point into the postings instead). */
  private readonly ownIndices: Int32Array[];
  private readonly ownValues: Float64Array[];
  /** The native addon, when loaded and allowed and every tag slot holds one value (its square is the addon's weight). */
  private readonly native: BlasGemm | null;

  constructor(
    private readonly tags: TagIndex,
    private readonly itemCount: number,
    private readonly includeSelf: boolean,
    private readonly perCategory = true,
  ) {
    this.x = new Float64Array(itemCount);
    this.dot = new Float64Array(itemCount);
    this.counts = new Float64Array(itemCount);
    this.inverseNorm = tags.vectors.itemNorm.map((n) => (n === 0 ? 0 : 1 / n));
    this.inverseSqrtCount = Float64Array.from(tags.itemCategoryCount, (k) => (k === 0 ? 0 : 1 / Math.sqrt(k)));
    const C = tags.categories.length;
    this.ownIndices = tags.categories.map(() => new Int32Array(itemCount));
    this.ownValues = tags.categories.map(() => new Float64Array(itemCount));
    this.postingValues = new Float64Array(tags.postings.length);
    this.tagStats = new Float64Array(tags.tagCategory.length * 4);
    tags.tagCategory.forEach((c, t) => {
      let sum = 0,
        sumSq = 0,
        min = Infinity,
        max = -Infinity;
      for (let q = tags.postingOffsets[t]; q < tags.postingOffsets[t + 1]; q++) {
        const v = this.inverseSqrtCount[tags.postings[q] * C + c];
        this.postingValues[q] = v;
        sum += v;
        sumSq += v * v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      this.tagStats.set([sum, sumSq, min, max], t * 4);
    });
    this.native = tags.vectors.slotWeight2 ? scoringBlasGemm() : null;
    this.categories = tags.categories.map((_, c) => ({
      indices: this.ownIndices[c],
      values: this.ownValues[c],
      count: 0,
      sum: 0,
      sumSq: 0,
      constant: true,
    }));
  }

  /** Fills `x` (dense, every item) and, when enabled, `categories` (sparse, pair set only) for query item u. */
  compute(u: number): void {
    const { tags, dot, x, itemCount } = this;
    const { itemSlotOffsets, itemSlots, itemSlotValues, postingOffsets, postings, postingValues } = tags.vectors;
    // `dot` is all zeros between calls: the pass that turns it into cosines also clears it.
    for (let p = itemSlotOffsets[u]; p < itemSlotOffsets[u + 1]; p++) {
      const s = itemSlots[p];
      const value = itemSlotValues[p];
      for (let q = postingOffsets[s]; q < postingOffsets[s + 1]; q++) dot[postings[q]] += value * postingValues[q];
    }
    const inverseNorm = this.inverseNorm;
    const inverseNormU = inverseNorm[u];
    for (let o = 0; o < itemCount; o++) {
      x[o] = dot[o] * inverseNorm[o] * inverseNormU;
      dot[o] = 0;
    }
    if (this.perCategory) for (let c = 0; c < tags.categories.length; c++) this.computeCategory(u, c);
  }

  /**
   * compute(u) without categories, fused with the x side of u's Pearson sums over the pair set (all items but
   * `skip`): values_o = x_o - x_first (0 at skip), and out = [sum, sum of squares, 1 when x is constant there]. One
   * native call, 3 to 4 times the TypeScript passes (the same x and values; sums but for their last bits); false, doing
   * nothing, without the native addon or when a tag slot holds different values on different items.
   */
  computeSide(u: number, skip: number, values: Float64Array, out: Float64Array): boolean {
    if (!this.native || this.perCategory || this.itemCount < 2) return false;
    const v = this.tags.vectors;
    this.native.tagSide(
      v.itemSlotOffsets,
      v.itemSlots,
      v.slotWeight2!,
      v.postingOffsets,
      v.postings,
      this.inverseNorm,
      u,
      skip,
      this.dot,
      this.x,
      values,
      out,
    );
    return true;
  }

  private computeCategory(u: number, c: number): void {
    const { tags } = this;
    const C = tags.categories.length;
    const cat = this.categories[c];
    const kU = tags.itemCategoryCount[u * C + c];
    cat.count = 0;
    cat.constant = true;
    if (kU === 0 || tags.categoryWeight[c] === 0) return;
    if (kU === 1) this.singleTagCategory(u, c, cat);
    else this.multiTagCategory(u, c, kU, cat);
  }

  /** One query tag in the category: the cosines are the tag's precomputed posting values, used in place. */
  private singleTagCategory(u: number, c: number, cat: CategoryCosines): void {
    const { tags, tagStats } = this;
    const C = tags.categories.length;
    let p = tags.itemTagOffsets[u];
    while (tags.tagCategory[tags.itemTags[p]] !== c) p++;
    const t = tags.itemTags[p];
    const start = tags.postingOffsets[t];
    const end = tags.postingOffsets[t + 1];
    cat.indices = tags.postings.subarray(start, end);
    cat.values = this.postingValues.subarray(start, end);
    cat.count = end - start;
    cat.sum = tagStats[t * 4];
    cat.sumSq = tagStats[t * 4 + 1];
    if (this.includeSelf) {
      cat.constant = cat.count === this.itemCount && tagStats[t * 4 + 2] === tagStats[t * 4 + 3];
      return;
    }
    // The own item holds the tag: take its value out of the sums; its similarity side is 0 for the products.
    const own = this.inverseSqrtCount[u * C + c];
    cat.sum -= own;
    cat.sumSq -= own * own;
    this.setConstant(cat, u, cat.count - 1);
  }

  /** Several query tags in the category: shared-tag counts from the postings. */
  private multiTagCategory(u: number, c: number, kU: number, cat: CategoryCosines): void {
    const { tags, counts, inverseSqrtCount } = this;
    const C = tags.categories.length;
    const indices = this.ownIndices[c];
    const values = this.ownValues[c];
    let touched = 0;
    for (let p = tags.itemTagOffsets[u]; p < tags.itemTagOffsets[u + 1]; p++) {
      const t = tags.itemTags[p];
      if (tags.tagCategory[t] !== c) continue;
      for (let q = tags.postingOffsets[t]; q < tags.postingOffsets[t + 1]; q++) {
        const o = tags.postings[q];
        if (counts[o] === 0) indices[touched++] = o;
        counts[o] += 1;
      }
    }
    const inverseSqrtU = 1 / Math.sqrt(kU);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < touched; i++) {
      const o = indices[i];
      const v = counts[o] * inverseSqrtCount[o * C + c] * inverseSqrtU;
      counts[o] = 0;
      values[i] = v;
      if (o === u && !this.includeSelf) continue;
      sum += v;
      sumSq += v * v;
    }
    cat.indices = indices;
    cat.values = values;
    cat.count = touched;
    cat.sum = sum;
    cat.sumSq = sumSq;
    this.setConstant(cat, this.includeSelf ? -1 : u, this.includeSelf ? touched : touched - 1);
  }

  /** Constant over the pair set (all items but `skip`): none shares a tag, or all do with the same value. */
  private setConstant(cat: CategoryCosines, skip: number, kept: number): void {
    const pairCount = skip >= 0 ? this.itemCount - 1 : this.itemCount;
    if (kept < pairCount) {
      cat.constant = kept === 0;
      return;
    }
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < cat.count; i++) {
      if (cat.indices[i] === skip) continue;
      min = Math.min(min, cat.values[i]);
      max = Math.max(max, cat.values[i]);
    }
    cat.constant = min === max;
  }
}
