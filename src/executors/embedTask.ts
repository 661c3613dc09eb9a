// The embed work every engine shares: compute a task's vectors, and store them in the embedding cache as references.
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { embedImages } from '../embedding/embedImages.js';
import { getModel } from '../inference/modelCache.js';
import type { EmbedResult, EmbedTask, ModelReference } from './executor.js';

export interface EmbeddedVectors {
  embedded: { id: string; contentHash: string; vector: Float32Array }[];
  failed: { id: string; error: string }[];
  /** Wall-clock seconds this call took, model loading excluded. */
  computeSeconds: number;
}

/** Reads, preprocesses and embeds a task's images with one cached model session per file. */
export async function computeEmbeddings(task: EmbedTask, threads: number): Promise<EmbeddedVectors> {
  const model = await getModel(
    { name: task.model.name, file: task.model.onnxPath, preprocess: task.model.preprocess, output: task.model.outputName },
    { threads },
  );
  const started = performance.now();
  const { vectors, hashes, failed } = await embedImages(model, task.images, task.baseDir);
  return {
    embedded: task.images.flatMap((image) => {
      const vector = vectors.get(image.id);
      return vector ? [{ id: image.id, contentHash: hashes.get(image.id)!, vector }] : [];
    }),
    failed,
    computeSeconds: (performance.now() - started) / 1000,
  };
}

/** Writes the vectors to the cache (idempotent: a repeated batch changes nothing) and returns what was embedded. */
export async function storeEmbeddings(cache: EmbeddingCache, model: ModelReference, result: EmbeddedVectors): Promise<EmbedResult> {
  await cache.put(
    model.onnxHash,
    model.preprocessHash,
    result.embedded.map((e) => ({ imageHash: e.contentHash, vector: unitLength(e.vector) })),
  );
  return {
    embedded: result.embedded.map(({ id, contentHash }) => ({ id, contentHash })),
    failed: result.failed,
    computeSeconds: result.computeSeconds,
  };
}

/**
 * The cache holds float16, whose range ends at 65504: vectors are stored at unit length (cosines, and so every
 * score, are unchanged) so large activations cannot overflow. An all-zero vector stays zero (scoring refuses it).
 */
function unitLength(vector: Float32Array): Float32Array {
  let sumSq = 0;
  for (const v of vector) sumSq += v * v;
  if (sumSq === 0 || !Number.isFinite(sumSq)) return vector;
  const inverse = 1 / Math.sqrt(sumSq);
  return vector.map((v) => v * inverse);
}
