// A manifest's tag categories (with weights) and distinct tags, in order of first appearance.
import { tagKey, type DatasetManifest } from '../metric/dataset.js';

export interface Taxonomy {
  /** Categories as they first appear over the items' tags, then weighted categories no tag uses. */
  categories: { name: string; weight: number | null }[];
  /** Distinct (category, name) pairs as they first appear. */
  tags: { category: string; name: string }[];
}

export function taxonomyOf(manifest: DatasetManifest): Taxonomy {
  const categories = new Set<string>();
  const tags = new Map<string, { category: string; name: string }>();
  for (const item of manifest.items) {
    for (const tag of item.tags) {
      categories.add(tag.category);
      const key = tagKey(tag.category, tag.name);
      if (!tags.has(key)) tags.set(key, { category: tag.category, name: tag.name });
    }
  }
  for (const category of Object.keys(manifest.categoryWeights)) categories.add(category);
  return {
    categories: [...categories].map((name) => ({
      name,
      weight: Object.hasOwn(manifest.categoryWeights, name) ? manifest.categoryWeights[name] : null,
    })),
    tags: [...tags.values()],
  };
}
