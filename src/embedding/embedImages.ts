// Embeds many images with one model: bounded-concurrency read + preprocess, overlapped with inference, batch by batch.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readImageBytes, type ImageReadLimits } from '../imaging/imageSource.js';
import { preprocessImage } from '../imaging/preprocess.js';
import { borrowReadBuffers, returnReadBuffers, type ReadBuffer } from '../imaging/readBuffer.js';
import type { EmbeddingModel } from '../inference/embeddingModel.js';
import { returnBatchBuffer, takeBatchBuffer } from './batchBuffers.js';

export interface ImageSource {
  id: string;
  /** A path relative to baseDir (confined to it) or an http(s) URL. */
  uri: string;
}

export interface EmbedImagesOptions {
  /** Images per inference run (default 32). */
  batchSize?: number;
  /** Images read and decoded at once (default: the number of cores, at least 2). */
  concurrency?: number;
  /** Byte and time limits for reading each image. */
  limits?: ImageReadLimits;
  /** Largest width x height decoded (default 100 megapixels). */
  maxPixels?: number;
  /** Called after each batch with the images finished so far (embedded or failed) and the total. */
  onBatch?: (done: number, total: number) => void;
}

export interface EmbedImagesResult {
  vectors: Map<string, Float32Array>;
  /** sha256 of the bytes of every image that could be read (the embedding cache's image key). */
  hashes: Map<string, string>;
  /** Images that could not be read or decoded, in input order; the others are embedded regardless. */
  failed: { id: string; error: string }[];
}

export const DEFAULT_BATCH_SIZE = 32;

/** One batch, preprocessed: the images that succeeded, packed at the front of `data` (a reused array: see batchBuffers.ts). */
interface PreparedBatch {
  ids: string[];
  data: Float32Array;
}

/** Runs `work` on every item, `limit` at a time; `lane` (0 to limit - 1) tells the concurrent callers apart. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T, index: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (lane: number): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index, lane);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, lane) => run(lane)));
}

/** Reads and preprocesses a batch, one image per read buffer at a time; never rejects (failures are recorded in `result`). */
async function prepareBatch(
  model: EmbeddingModel,
  sources: ImageSource[],
  baseDir: string,
  options: EmbedImagesOptions,
  readBuffers: ReadBuffer[],
  result: EmbedImagesResult,
): Promise<PreparedBatch> {
  const size = model.imageSize;
  const data = takeBatchBuffer(sources.length * size);
  const errors: (string | null)[] = sources.map(() => null);
  await forEachLimited(sources, readBuffers.length, async (source, i, lane) => {
    try {
      const bytes = await readImageBytes(source.uri, baseDir, options.limits, readBuffers[lane]);
      result.hashes.set(source.id, createHash('sha256').update(bytes).digest('hex'));
      await preprocessImage(bytes, model.recipe, model.layout, data, i * size, { name: source.uri, maxPixels: options.maxPixels });
    } catch (error) {
      errors[i] = error instanceof Error ? error.message : String(error);
    }
  });
  const ids: string[] = [];
  sources.forEach((source, i) => {
    const error = errors[i];
    if (error !== null) {
      result.failed.push({ id: source.id, error });
      return;
    }
    if (ids.length !== i) data.copyWithin(ids.length * size, i * size, (i + 1) * size);
    ids.push(source.id);
  });
  return { ids, data };
}

/**
 * Embeds `sources` with `model`. While one batch is being inferred the next is read and decoded. Images that
 * fail to read or decode are listed in `failed`; an inference failure (a fault of the model) rejects.
 */
export async function embedImages(
  model: EmbeddingModel,
  sources: ImageSource[],
  baseDir: string,
  options: EmbedImagesOptions = {},
): Promise<EmbedImagesResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`embedImages: batchSize must be a positive integer (got ${batchSize})`);
  const result: EmbedImagesResult = { vectors: new Map(), hashes: new Map(), failed: [] };
  const batches: ImageSource[][] = [];
  for (let i = 0; i < sources.length; i += batchSize) batches.push(sources.slice(i, i + batchSize));
  // Only one batch is prepared at a time, so its images can share these.
  const readBuffers = borrowReadBuffers(options.concurrency ?? Math.max(2, availableParallelism()));
  const prepare = (batch: ImageSource[]) => prepareBatch(model, batch, baseDir, options, readBuffers, result);
  let pending: Promise<PreparedBatch> | null = batches.length > 0 ? prepare(batches[0]) : null;
  let done = 0;
  try {
    for (let b = 0; b < batches.length; b++) {
      const ready = await pending!;
      pending = b + 1 < batches.length ? prepare(batches[b + 1]) : null;
      try {
        if (ready.ids.length > 0) {
          const vectors = await model.embed(ready.data, ready.ids.length);
          ready.ids.forEach((id, k) => result.vectors.set(id, vectors.slice(k * model.dim, (k + 1) * model.dim)));
        }
      } finally {
        returnBatchBuffer(ready.data);
      }
      done += batches[b].length;
      options.onBatch?.(done, sources.length);
    }
  } finally {
    // On an inference failure, let the batch being prepared finish before the error surfaces.
    if (pending) returnBatchBuffer((await pending).data);
    returnReadBuffers(readBuffers);
  }
  return result;
}
