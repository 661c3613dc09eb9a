// Index structures for one scoring pass: items with images, representatives, tag postings, embeddings and norms.
import { tagKey, type DatasetManifest, type ItemSpec } from './dataset.js';
import { inverseRowNorms, type EmbeddingMatrix } from './embeddings.js';
import { largeFloatArray } from '../linalg/hugePages.js';
import type { FloatArray } from '../linalg/similarityKernel.js';
import type { MetricOptions } from './options.js';
import { pythonRound, roundTo } from './rounding.js';
import { torchUnitRows } from './torchCosine.js';

/** The tag vectors t(o) the overall cosines use, sparse: one slot per tag (see the tagIdentity option). */
export interface TagVectors {
  /** Per item: its slots and the value it holds in each (CSR; zero values left out). */
  itemSlotOffsets: Int32Array;
  itemSlots: Int32Array;
  itemSlotValues: Float64Array;
  /** Per slot: the items holding it, increasing, and the value each holds (CSR). */
  postingOffsets: Int32Array;
  postings: Int32Array;
  postingValues: Float64Array;
  /** Per item: L2 norm of its tag vector. */
  itemNorm: Float64Array;
  /** Per slot: its value squared, when every item holding it holds the same value; null when some slot is mixed. */
  slotWeight2: Float64Array | null;
}

export interface TagIndex {
  /** Categories in order of first appearance over the items' kept tags. */
  categories: string[];
  /** Effective weight of each category's tags (1 for binary weighting or no weight given). */
  categoryWeight: Float64Array;
  /** Per item: number of its tags in each category, row-major R x C. */
  itemCategoryCount: Int32Array;
  /** Per item: its (category, name) tag ids (CSR); the per-category cosines use these. */
  itemTagOffsets: Int32Array;
  itemTags: Int32Array;
  tagCategory: Int32Array;
  /** Per tag: the items holding it, increasing (CSR). */
  postingOffsets: Int32Array;
  postings: Int32Array;
  vectors: TagVectors;
}

export interface PreparedDataset {
  imageIds: string[];
  /** Items that have at least one image, in manifest order; "item index" below refers to this list. */
  itemIds: string[];
  imageItem: Int32Array;
  /** Each item's images in dataset order (CSR). */
  itemImageOffsets: Int32Array;
  itemImages: Int32Array;
  dim: number;
  /** The embeddings, row-major N x dim, in shared memory and the precision the similarities are computed in. */
  vectors: FloatArray;
  /** 1 / L2 norm of each embedding. */
  inverseNorm: Float64Array;
  tags: TagIndex;
  itemsWithoutImages: number;
}

function csr(groups: number[][]): { offsets: Int32Array; values: Int32Array } {
  const offsets = new Int32Array(groups.length + 1);
  groups.forEach((g, i) => (offsets[i + 1] = offsets[i] + g.length));
  const values = new Int32Array(offsets[groups.length]);
  groups.forEach((g, i) => values.set(g, offsets[i]));
  return { offsets, values };
}

type TagOptions = Pick<MetricOptions, 'tagWeighting' | 'roundWeights' | 'weightRounding' | 'tagIdentity' | 'dropCategories'>;

/** A category's tag value: its weight, rounded as the options say (1 for binary weighting or no weight given). */
export function categoryTagValue(weights: Record<string, number>, category: string, options: TagOptions): number {
  if (options.tagWeighting === 'binary' || !Object.hasOwn(weights, category)) return 1;
  const w = weights[category];
  if (options.roundWeights === null) return w;
  return options.weightRounding === 'python' ? pythonRound(w, options.roundWeights) : roundTo(w, options.roundWeights);
}

/**
 * The items' tag vectors. With tagIdentity 'name' a slot is a tag name, shared by every category using it, and an
 * item holding the name twice keeps the value written last (the notebooks' np.where(tag_list == tag) loop).
 */
function buildTagVectors(items: ItemSpec[], value: (category: string) => number, byName: boolean): TagVectors {
  const slotOf = new Map<string, number>();
  const postingsList: number[][] = [];
  const postingValuesList: number[][] = [];
  const itemSlotsList: number[][] = [];
  const itemValuesList: number[][] = [];
  const itemNorm = new Float64Array(items.length);
  items.forEach((item, o) => {
    const held = new Map<number, number>();
    for (const tag of item.tags) {
      const key = byName ? tag.name : tagKey(tag.category, tag.name);
      let s = slotOf.get(key);
      if (s === undefined) {
        s = postingsList.push([]) - 1;
        postingValuesList.push([]);
        slotOf.set(key, s);
      }
      held.set(s, value(tag.category));
    }
    const slots: number[] = [];
    const values: number[] = [];
    let sumSq = 0;
    for (const [s, v] of held) {
      if (v === 0) continue;
      slots.push(s);
      values.push(v);
      postingsList[s].push(o);
      postingValuesList[s].push(v);
      sumSq += v * v;
    }
    itemSlotsList.push(slots);
    itemValuesList.push(values);
    itemNorm[o] = Math.sqrt(sumSq);
  });
  const uniform = postingValuesList.every((values) => values.every((v) => v === values[0]));
  const itemSlots = csr(itemSlotsList);
  const postings = csr(postingsList);
  return {
    itemSlotOffsets: itemSlots.offsets,
    itemSlots: itemSlots.values,
    itemSlotValues: Float64Array.from(itemValuesList.flat()),
    postingOffsets: postings.offsets,
    postings: postings.values,
    postingValues: Float64Array.from(postingValuesList.flat()),
    itemNorm,
    slotWeight2: uniform ? Float64Array.from(postingValuesList, (values) => (values.length === 0 ? 0 : values[0] ** 2)) : null,
  };
}

/** The items' tags without the dropped categories. */
export function keptTags(items: ItemSpec[], dropCategories: readonly string[]): ItemSpec[] {
  if (dropCategories.length === 0) return items;
  const dropped = new Set(dropCategories);
  return items.map((item) => ({ id: item.id, tags: item.tags.filter((tag) => !dropped.has(tag.category)) }));
}

function buildTagIndex(manifest: DatasetManifest, itemIds: string[], options: TagOptions): TagIndex {
  const itemById = new Map(keptTags(manifest.items, options.dropCategories).map((item) => [item.id, item]));
  const categories: string[] = [];
  const categoryOf = new Map<string, number>();
  for (const item of itemById.values()) {
    for (const tag of item.tags) {
      if (!categoryOf.has(tag.category)) categoryOf.set(tag.category, categories.push(tag.category) - 1);
    }
  }
  const categoryWeight = Float64Array.from(categories, (c) => categoryTagValue(manifest.categoryWeights, c, options));
  const C = categories.length;
  const R = itemIds.length;
  const items = itemIds.map((id) => itemById.get(id)!);
  const tagIdOf = new Map<string, number>();
  const tagCategoryList: number[] = [];
  const postingsList: number[][] = [];
  const itemTagsList: number[][] = [];
  const itemCategoryCount = new Int32Array(R * C);
  items.forEach((item, o) => {
    const ids: number[] = [];
    for (const tag of item.tags) {
      const key = tagKey(tag.category, tag.name);
      let t = tagIdOf.get(key);
      if (t === undefined) {
        t = tagCategoryList.push(categoryOf.get(tag.category)!) - 1;
        tagIdOf.set(key, t);
        postingsList.push([]);
      }
      ids.push(t);
      postingsList[t].push(o);
      itemCategoryCount[o * C + tagCategoryList[t]]++;
    }
    itemTagsList.push(ids);
  });
  const itemTags = csr(itemTagsList);
  const postings = csr(postingsList);
  return {
    categories,
    categoryWeight,
    itemCategoryCount,
    itemTagOffsets: itemTags.offsets,
    itemTags: itemTags.values,
    tagCategory: Int32Array.from(tagCategoryList),
    postingOffsets: postings.offsets,
    postings: postings.values,
    vectors: buildTagVectors(items, (c) => categoryWeight[categoryOf.get(c)!], options.tagIdentity === 'name'),
  };
}

/** The arithmetic of the image cosines: 'torch' is float32 with the embeddings scaled first (torchCosine.ts). */
export type Precision = 'float32' | 'float64' | 'torch';

/** The embeddings in the precision the similarities are computed in, and 1 / norm of each row. */
function scoringVectors(
  embeddings: EmbeddingMatrix,
  imageIds: string[],
  precision: Precision,
): { vectors: FloatArray; inverseNorm: Float64Array } {
  const inverseNorm = inverseRowNorms(embeddings, imageIds);
  if (precision === 'torch') return { vectors: torchUnitRows(embeddings), inverseNorm: inverseNorm.fill(1) };
  const reusable = precision === 'float32' && embeddings.data.buffer instanceof SharedArrayBuffer;
  const vectors: FloatArray = reusable ? embeddings.data : largeFloatArray(precision === 'float64', embeddings.data.length, true);
  if (!reusable) vectors.set(embeddings.data);
  return { vectors, inverseNorm };
}

/**
 * Indexes a validated manifest and its embeddings for scoring. The embeddings live in shared memory (used as
 * they are when already shared float32), so scoring worker threads read them without a copy; every other field
 * is small enough to clone.
 */
export function prepareDataset(
  manifest: DatasetManifest,
  embeddings: EmbeddingMatrix,
  options: TagOptions,
  precision: Precision = 'float32',
): PreparedDataset {
  const imageIds = manifest.images.map((i) => i.id);
  const { vectors, inverseNorm } = scoringVectors(embeddings, imageIds, precision);
  const imagesByItem = new Map<string, number[]>();
  manifest.images.forEach((image, i) => {
    const list = imagesByItem.get(image.item);
    if (list) list.push(i);
    else imagesByItem.set(image.item, [i]);
  });
  const itemIds = manifest.items.map((i) => i.id).filter((id) => imagesByItem.has(id));
  const itemIndex = new Map(itemIds.map((id, o) => [id, o]));
  const imageItem = Int32Array.from(manifest.images, (image) => itemIndex.get(image.item)!);
  const itemImages = csr(itemIds.map((id) => imagesByItem.get(id)!));
  return {
    imageIds,
    itemIds,
    imageItem,
    itemImageOffsets: itemImages.offsets,
    itemImages: itemImages.values,
    dim: embeddings.dim,
    vectors,
    inverseNorm,
    tags: buildTagIndex(manifest, itemIds, options),
    itemsWithoutImages: manifest.items.length - itemIds.length,
  };
}
