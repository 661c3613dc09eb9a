// Notices of what the authors' notebook quirks changed on a dataset, each naming the option that corrects it.
import type { DatasetManifest } from './dataset.js';
import type { MetricOptions } from './options.js';
import { keptTags } from './prepared.js';
import { pythonRound, roundTo } from './rounding.js';

/** Each quirk by the option that switches it off (or the behaviour a notice is about). */
export const QUIRKS = ['tagIdentity', 'weightRounding', 'dropCategories', 'noneTag', 'negativeWeights'] as const;

export type Quirk = (typeof QUIRKS)[number];

export interface QuirkNotice {
  /** The option that switches the quirk off (or the behaviour the notice is about). */
  quirk: Quirk;
  /** How many tag names, categories or weights it touched. */
  count: number;
  message: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const listed = (names: string[]): string => names.map((n) => JSON.stringify(n)).join(', ');

/** Tag names that two or more categories use on the items with images: one slot each under tagIdentity 'name'. */
function sharedNames(items: DatasetManifest['items']): [string, string[]][] {
  const categories = new Map<string, Set<string>>();
  for (const item of items) {
    for (const tag of item.tags) {
      const set = categories.get(tag.name);
      if (set) set.add(tag.category);
      else categories.set(tag.name, new Set([tag.category]));
    }
  }
  return [...categories].filter(([, set]) => set.size > 1).map(([name, set]) => [name, [...set]]);
}

/** The scoring quirks that changed this dataset's tag vectors under `options` (items without images do not count). */
export function scoreNotices(manifest: DatasetManifest, itemIds: string[], options: MetricOptions): QuirkNotice[] {
  const scored = new Set(itemIds);
  const items = manifest.items.filter((item) => scored.has(item.id));
  const notices: QuirkNotice[] = [];
  const present = new Set(items.flatMap((item) => item.tags.map((tag) => tag.category)));
  const dropped = options.dropCategories.filter((c) => present.has(c));
  if (dropped.length > 0) {
    notices.push({
      quirk: 'dropCategories',
      count: dropped.length,
      message: `${plural(dropped.length, 'category', 'categories')} (${listed(dropped)}) left out of the tag vectors, as the authors' notebook does; option dropCategories [] keeps them`,
    });
  }
  const kept = keptTags(items, options.dropCategories);
  if (options.tagIdentity === 'name') {
    const shared = sharedNames(kept);
    if (shared.length > 0) {
      const [name, categories] = shared[0];
      notices.push({
        quirk: 'tagIdentity',
        count: shared.length,
        message: `${plural(shared.length, 'tag name', 'tag names')} shared by two or more categories (e.g. ${JSON.stringify(name)} in ${listed(categories)}) merged into one tag, the weight written last winning, as the authors' code does; option tagIdentity "category" keeps them apart`,
      });
    }
  }
  if (options.tagWeighting === 'weighted' && options.roundWeights !== null && options.weightRounding === 'python') {
    const digits = options.roundWeights;
    const used = new Set(kept.flatMap((item) => item.tags.map((tag) => tag.category)));
    const differing = Object.entries(manifest.categoryWeights).filter(
      ([c, w]) => used.has(c) && pythonRound(w, digits) !== roundTo(w, digits),
    );
    if (differing.length > 0) {
      const [category, w] = differing[0];
      notices.push({
        quirk: 'weightRounding',
        count: differing.length,
        message: `${plural(differing.length, 'category weight', 'category weights')} rounded by Python's round on the binary value, as the authors' code does (e.g. ${JSON.stringify(category)} ${w} -> ${pythonRound(w, digits)}, half-even ${roundTo(w, digits)}); option weightRounding "halfEven" rounds half to even`,
      });
    }
  }
  return notices;
}

/** The weighting quirks: "None" tags merged with the missing bucket, and weights below 0 (used as they are). */
export function weightNotices(mergedNone: string[], weights: Record<string, number>): QuirkNotice[] {
  const notices: QuirkNotice[] = [];
  if (mergedNone.length > 0) {
    notices.push({
      quirk: 'noneTag',
      count: mergedNone.length,
      message: `a tag named "None" in ${plural(mergedNone.length, 'category', 'categories')} (${listed(mergedNone)}) merged with the bucket of orders whose item lacks the category, the entropy normalised by ln K instead of ln(K + 1), as the authors' code does; --none-tag separate keeps them apart`,
    });
  }
  const negative = Object.entries(weights).filter(([, w]) => w < 0);
  if (negative.length > 0) {
    notices.push({
      quirk: 'negativeWeights',
      count: negative.length,
      message: `${plural(negative.length, 'category weight is', 'category weights are')} below 0 (e.g. ${JSON.stringify(negative[0][0])} ${pythonRound(negative[0][1], 2)}: its items carry several tags of it, so the mean normalised entropy exceeds 1); scoring uses them as they are, as the authors' code does`,
    });
  }
  return notices;
}
