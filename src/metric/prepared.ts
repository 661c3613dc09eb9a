// Index structures for one scoring pass: items with images, representatives, tag postings, embeddings and norms.
import { tagKey, type DatasetManifest } from './dataset.js';
import { inverseRowNorms, type EmbeddingMatrix } from './embeddings.js';
import { largeFloatArray } from '../linalg/hugePages.js';
import type { FloatArray } from '../linalg/similarityKernel.js';
import type { MetricOptions } from './options.js';
import { roundTo } from './rounding.js';

export interface TagIndex {
  /** Categories in order of first appearance over the items' tags. */
  categories: string[];
  /** Effective weight of each category's tags (1 for binary weighting or no weight given). */
  categoryWeight: Float64Array;
  /** Per item: number of its tags in each category, row-major R x C. */
  itemCategoryCount: Int32Array;
  /** Per item: L2 norm of its (weighted) tag vector. */
  itemNorm: Float64Array;
  /** Per item: its tag ids (CSR). */
  itemTagOffsets: Int32Array;
  itemTags: Int32Array;
  tagCategory: Int32Array;
  /** Per tag: the items holding it, increasing (CSR). */
  postingOffsets: Int32Array;
  postings: Int32Array;
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

function buildTagIndex(manifest: DatasetManifest, itemIds: string[], options: Pick<MetricOptions, 'tagWeighting' | 'roundWeights'>): TagIndex {
  const categories: string[] = [];
  const categoryOf = new Map<string, number>();
  for (const item of manifest.items) {
    for (const tag of item.tags) {
      if (!categoryOf.has(tag.category)) categoryOf.set(tag.category, categories.push(tag.category) - 1);
    }
  }
  const categoryWeight = Float64Array.from(categories, (c) => {
    if (options.tagWeighting === 'binary') return 1;
    if (!Object.hasOwn(manifest.categoryWeights, c)) return 1;
    const w = manifest.categoryWeights[c];
    return options.roundWeights === null ? w : roundTo(w, options.roundWeights);
  });
  const C = categories.length;
  const R = itemIds.length;
  const itemById = new Map(manifest.items.map((item) => [item.id, item]));
  const tagIdOf = new Map<string, number>();
  const tagCategoryList: number[] = [];
  const postingsList: number[][] = [];
  const itemTagsList: number[][] = [];
  const itemCategoryCount = new Int32Array(R * C);
  const itemNorm = new Float64Array(R);
  itemIds.forEach((id, o) => {
    const ids: number[] = [];
    let sumSq = 0;
    for (const tag of itemById.get(id)!.tags) {
      const key = tagKey(tag.category, tag.name);
      let t = tagIdOf.get(key);
      if (t === undefined) {
        t = tagCategoryList.push(categoryOf.get(tag.category)!) - 1;
        tagIdOf.set(key, t);
        postingsList.push([]);
      }
      ids.push(t);
      postingsList[t].push(o);
      const c = tagCategoryList[t];
      itemCategoryCount[o * C + c]++;
      sumSq += categoryWeight[c] ** 2;
    }
    itemTagsList.push(ids);
    itemNorm[o] = Math.sqrt(sumSq);
  });
  const itemTags = csr(itemTagsList);
  const postings = csr(postingsList);
  return {
    categories,
    categoryWeight,
    itemCategoryCount,
    itemNorm,
    itemTagOffsets: itemTags.offsets,
    itemTags: itemTags.values,
    tagCategory: Int32Array.from(tagCategoryList),
    postingOffsets: postings.offsets,
    postings: postings.values,
  };
}

export type Precision = 'float32' | 'float64';

/**
 * Indexes a validated manifest and its embeddings for scoring. The embeddings live in shared memory (used as
 * they are when already shared float32), so scoring worker threads read them without a copy; every other field
 * is small enough to clone.
 */
export function prepareDataset(
  manifest: DatasetManifest,
  embeddings: EmbeddingMatrix,
  options: Pick<MetricOptions, 'tagWeighting' | 'roundWeights'>,
  precision: Precision = 'float32',
): PreparedDataset {
  const imageIds = manifest.images.map((i) => i.id);
  const inverseNorm = inverseRowNorms(embeddings, imageIds);
  const reusable = precision === 'float32' && embeddings.data.buffer instanceof SharedArrayBuffer;
  const vectors: FloatArray = reusable ? embeddings.data : largeFloatArray(precision === 'float64', embeddings.data.length, true);
  if (!reusable) vectors.set(embeddings.data);
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
