// What scoring one evaluation reads: the dataset restricted to the images the model's cache holds, and their vectors.
import type { DatasetService } from '../catalog/datasetService.js';
import type { EmbeddingCache } from './embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { DatasetManifest } from '../metric/dataset.js';
import type { EmbeddingMatrix } from '../metric/embeddings.js';

export interface EvaluationInput {
  /** The dataset without the images that have no cached vector (they could not be embedded). */
  manifest: DatasetManifest;
  embeddings: EmbeddingMatrix;
  /** Database ids of the images kept, in their order. */
  imageIds: string[];
  /** Manifest ids of the images left out. */
  missing: string[];
}

/**
 * Every engine scores from the cache (float16, unit length), so a shard computed in another process, a resumed run
 * and a run served wholly from the cache all see the same numbers.
 */
export async function loadEvaluationInput(
  datasets: DatasetService,
  cache: EmbeddingCache,
  datasetId: string,
  model: { onnxHash: string; preprocessHash: string },
): Promise<EvaluationInput> {
  const input = await loadCachedEmbeddings(datasets, cache, datasetId, model);
  if (input.embeddings.rows === 0) throw new UserInputError('no image could be embedded');
  return input;
}

/** The dataset's images that have a cached vector under the model, with the vectors (none: 0 rows of dimension 0). */
export async function loadCachedEmbeddings(
  datasets: DatasetService,
  cache: EmbeddingCache,
  datasetId: string,
  model: { onnxHash: string; preprocessHash: string },
): Promise<EvaluationInput> {
  const scoring = await datasets.loadForScoring(datasetId);
  const hashes = scoring.images.map((i) => i.contentHash ?? '');
  const { rows, dim, rowOf, data } = await cache.rows(model.onnxHash, model.preprocessHash, hashes);
  const kept: number[] = [];
  const missing: string[] = [];
  scoring.images.forEach((image, i) => (image.contentHash && rowOf[i] >= 0 ? kept.push(i) : missing.push(image.externalId)));
  return {
    manifest: { ...scoring.manifest, images: kept.map((i) => scoring.manifest.images[i]) },
    embeddings: { rows, dim, data },
    imageIds: kept.map((i) => scoring.images[i].id),
    missing,
  };
}
