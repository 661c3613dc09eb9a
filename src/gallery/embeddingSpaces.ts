// A dataset's cached embeddings under a model as unit vectors with the metric's tag index, kept in memory (LRU, bounded in bytes).
import type { DatasetService } from '../catalog/datasetService.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { ItemSpec } from '../metric/dataset.js';
import { DEFAULT_OPTIONS } from '../metric/options.js';
import { prepareDataset, type PreparedDataset } from '../metric/prepared.js';
import { TagSimilarity } from '../metric/tagSimilarity.js';
import { loadCachedEmbeddings } from '../embedding/evaluationInput.js';
import { ByteLru } from './byteLru.js';

/** The images of a dataset that have an embedding under a model, in dataset order (the failed ones are left out). */
export interface EmbeddingSpace {
  /** Database ids of the images. */
  imageIds: string[];
  /** The metric's view: manifest image ids, items, vectors (here scaled to unit length) and tag index. */
  prepared: PreparedDataset;
  /** The manifest items, indexed like prepared.itemIds. */
  items: ItemSpec[];
  /** Cosines of one item's weighted tag vector with every item's, as the metric computes them (default weighting and rounding). */
  tagSimilarity: TagSimilarity;
}

export interface SpaceModel {
  name: string;
  onnxHash: string;
  preprocessHash: string;
}

/** Default memory for the spaces of every dataset and model together. */
export const DEFAULT_SPACE_BYTES = 256 * 1024 * 1024;

/** Memory a space takes, roughly: vectors, per-image ids and indexes, per-item tag buffers (TagSimilarity keeps 12 bytes per item and category). */
function spaceBytes(space: EmbeddingSpace): number {
  const { prepared } = space;
  const items = prepared.itemIds.length;
  return (
    prepared.vectors.byteLength +
    prepared.imageIds.length * 200 +
    items * (200 + prepared.tags.categories.length * 24) +
    prepared.tags.postings.length * 8
  );
}

function unitRows(prepared: PreparedDataset): void {
  const { vectors, inverseNorm, dim } = prepared;
  for (let i = 0; i < inverseNorm.length; i++) for (let k = i * dim; k < (i + 1) * dim; k++) vectors[k] *= inverseNorm[i];
}

/**
 * Spaces are keyed by dataset and model hashes, and checked against the number of shards the embedding cache holds
 * for the model (shards are only ever added): an evaluation that embeds more of the dataset, in any process, makes
 * the next lookup load the space again. Concurrent lookups of one space share one load.
 */
export class EmbeddingSpaces {
  private readonly spaces: ByteLru<{ vectors: number; space: EmbeddingSpace }>;
  private readonly loading = new Map<string, Promise<EmbeddingSpace>>();

  constructor(
    private readonly datasets: DatasetService,
    private readonly cache: EmbeddingCache,
    maxBytes = DEFAULT_SPACE_BYTES,
  ) {
    this.spaces = new ByteLru(maxBytes);
  }

  /** The space of a dataset (which must exist) under a model; NOT_EMBEDDED when the cache holds none of its images' vectors. */
  async get(dataset: { id: string; name: string }, model: SpaceModel): Promise<EmbeddingSpace> {
    const key = `${dataset.id}\0${model.onnxHash}\0${model.preprocessHash}`;
    const vectors = await this.cache.shardCount(model.onnxHash, model.preprocessHash);
    const hit = this.spaces.get(key);
    if (hit && hit.vectors === vectors) return hit.space;
    const flight = `${key}\0${vectors}`;
    let load = this.loading.get(flight);
    if (!load) {
      load = this.load(dataset, model).finally(() => this.loading.delete(flight));
      this.loading.set(flight, load);
      const space = await load;
      this.spaces.set(key, { vectors, space }, spaceBytes(space));
    }
    return load;
  }

  /** Drops a deleted dataset's spaces. */
  forget(datasetId: string): void {
    this.spaces.deletePrefix(`${datasetId}\0`);
  }

  private async load(dataset: { id: string; name: string }, model: SpaceModel): Promise<EmbeddingSpace> {
    const input = await loadCachedEmbeddings(this.datasets, this.cache, dataset.id, model);
    if (input.embeddings.rows === 0) {
      throw new UserInputError(
        `model "${model.name}" has no embeddings of dataset "${dataset.name}" yet: run an evaluation with it first`,
        'NOT_EMBEDDED',
      );
    }
    const prepared = prepareDataset(input.manifest, input.embeddings, DEFAULT_OPTIONS, 'float32');
    unitRows(prepared);
    const itemById = new Map(input.manifest.items.map((item) => [item.id, item]));
    return {
      imageIds: input.imageIds,
      prepared,
      items: prepared.itemIds.map((id) => itemById.get(id)!),
      tagSimilarity: new TagSimilarity(prepared.tags, prepared.itemIds.length, true, false),
    };
  }
}
