// Category weights from behaviour: 1 - mean normalised entropy of each category's tags over recurring users' orders.
import { UserInputError } from '../errors.js';
import type { DatasetManifest, ItemSpec } from './dataset.js';
import { weightNotices, type QuirkNotice } from './quirkNotices.js';

export interface Order {
  user: string;
  item: string;
}

export interface WeightOptions {
  /** Users need strictly more orders than this to count (the paper: > 10). */
  minOrders: number;
  /** Categories to leave out (the paper dropped Size, Fit and Shoe Size). */
  dropCategories: string[];
  /** Skip orders of items the dataset does not have instead of failing. */
  ignoreUnknownItems: boolean;
  /**
   * 'merge' (the notebook): a real tag named "None" is the same bucket as "the item lacks the category", and the
   * entropy is normalised by ln of the number of buckets; 'separate': the missing bucket is its own, ln(K + 1).
   */
  noneTag: NoneTag;
}

export type NoneTag = 'merge' | 'separate';

/** The name the notebook gives the bucket of orders whose item lacks the category. */
export const MISSING_BUCKET = 'None';

export interface CategoryWeightsResult {
  categoryWeights: Record<string, number>;
  usersUsed: number;
  ordersUsed: number;
  ordersSkipped: number;
  /** Distinct tags per category (K_c); entropies are normalised by ln of the buckets (K_c + 1, or K_c when one is "None" and merged). */
  distinctTags: Record<string, number>;
  /** What the notebook's quirks changed on this data, and how to turn each correction on. */
  notices: QuirkNotice[];
}

export const DEFAULT_WEIGHT_OPTIONS: WeightOptions = { minOrders: 10, dropCategories: [], ignoreUnknownItems: false, noneTag: 'merge' };

/** Each category's distinct tags and the tags of the items orders may name, by category (dropped categories left out). */
export class OrderTagIndex {
  private readonly dropped: Set<string>;
  readonly tagsByCategory = new Map<string, Set<string>>();
  readonly itemTags = new Map<string, Map<string, string[]>>();

  constructor(dropCategories: readonly string[]) {
    this.dropped = new Set(dropCategories);
  }

  /** Counts the item's tags towards K_c; keeps them for the orders unless `keep` is false (an item no order names). */
  add(item: ItemSpec, keep = true): void {
    const byCategory = new Map<string, string[]>();
    for (const tag of item.tags) {
      if (this.dropped.has(tag.category)) continue;
      if (!this.tagsByCategory.has(tag.category)) this.tagsByCategory.set(tag.category, new Set());
      this.tagsByCategory.get(tag.category)!.add(tag.name);
      const names = byCategory.get(tag.category);
      if (names) names.push(tag.name);
      else byCategory.set(tag.category, [tag.name]);
    }
    if (keep) this.itemTags.set(item.id, byCategory);
  }
}

/** Computes w_c = 1 - mean_u(H_u(c) / ln(buckets_c)) as docs/metric.md describes (Tag_Weighting_Calc.ipynb). */
export function categoryWeightsFromOrders(
  manifest: DatasetManifest,
  orders: Order[],
  options: WeightOptions = DEFAULT_WEIGHT_OPTIONS,
): CategoryWeightsResult {
  const index = new OrderTagIndex(options.dropCategories);
  for (const item of manifest.items) index.add(item);
  return categoryWeightsFromIndex(index, orders, options);
}

/** The weights over an index of the dataset's tags (categoryWeightsFromOrders, for callers that stream their items). */
export function categoryWeightsFromIndex(
  index: OrderTagIndex,
  orders: Order[],
  options: WeightOptions = DEFAULT_WEIGHT_OPTIONS,
): CategoryWeightsResult {
  const { tagsByCategory, itemTags } = index;
  const categories = [...tagsByCategory.keys()];
  if (categories.length === 0) throw new UserInputError('weights: the dataset has no tags to weigh');

  const ordersByUser = new Map<string, string[]>();
  let ordersSkipped = 0;
  orders.forEach((order, i) => {
    if (!itemTags.has(order.item)) {
      if (options.ignoreUnknownItems) {
        ordersSkipped++;
        return;
      }
      throw new UserInputError(`orders line ${i + 2}: unknown item id "${order.item}" (use --ignore-unknown-items to skip such orders)`);
    }
    const items = ordersByUser.get(order.user);
    if (items) items.push(order.item);
    else ordersByUser.set(order.user, [order.item]);
  });

  const merge = options.noneTag === 'merge';
  const missing = merge ? MISSING_BUCKET : '\u0000missing';
  const buckets = new Map(
    categories.map((c) => [c, tagsByCategory.get(c)!.size + (merge && tagsByCategory.get(c)!.has(MISSING_BUCKET) ? 0 : 1)]),
  );
  const unweighable = categories.find((c) => buckets.get(c)! < 2);
  if (unweighable !== undefined) {
    throw new UserInputError(
      `weights: category "${unweighable}" has only the tag "None", which the notebook's weighting merges with "no tag": its entropy cannot be normalised (use --none-tag separate or --drop "${unweighable}")`,
    );
  }
  const recurring = [...ordersByUser.values()].filter((items) => items.length > options.minOrders);
  if (recurring.length === 0) {
    throw new UserInputError(`weights: no user has more than ${options.minOrders} orders (lower --min-orders to include more users)`);
  }
  const entropySums = new Map(categories.map((c) => [c, 0]));
  for (const items of recurring) {
    for (const category of categories) {
      const counts = new Map<string, number>();
      for (const item of items) {
        const names = itemTags.get(item)!.get(category) ?? [missing];
        for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      let entropy = 0;
      for (const count of counts.values()) {
        const p = count / items.length;
        entropy -= p * Math.log(p);
      }
      entropySums.set(category, entropySums.get(category)! + entropy / Math.log(buckets.get(category)!));
    }
  }
  const categoryWeights = Object.fromEntries(categories.map((c) => [c, 1 - entropySums.get(c)! / recurring.length]));
  return {
    categoryWeights,
    usersUsed: recurring.length,
    ordersUsed: recurring.reduce((n, items) => n + items.length, 0),
    ordersSkipped,
    distinctTags: Object.fromEntries(categories.map((c) => [c, tagsByCategory.get(c)!.size])),
    notices: weightNotices(
      categories.filter((c) => merge && tagsByCategory.get(c)!.has(MISSING_BUCKET)),
      categoryWeights,
    ),
  };
}
