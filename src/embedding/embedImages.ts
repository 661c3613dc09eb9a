// Embeds many images with models sharing one recipe: each image read, hashed and preprocessed once, its tensor fed to every model, batch by batch.
import { createHash } from 'node:crypto';
import { readImageBytes, type ImageReadLimits } from '../imaging/imageSource.js';
import { preprocessImage } from '../imaging/preprocess.js';
import { borrowReadBuffers, returnReadBuffers } from '../imaging/readBuffer.js';
import type { EmbeddingModel } from '../inference/embeddingModel.js';
import { threadCpuMs } from '../inference/threadCpu.js';
import { Semaphore } from '../semaphore.js';
import { returnBatchBuffer, takeBatchBuffer } from './batchBuffers.js';

export interface ImageSource {
  id: string;
  /** A path relative to baseDir (confined to it) or an http(s) URL. */
  uri: string;
}

export interface EmbedImagesOptions {
  /** Images per inference run (default 32). */
  batchSize?: number;
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

/** Milliseconds of one embedding call spent in each stage, summed over its images (wall time of the thread that awaits them). */
export interface StageTimes {
  /** Reading the files' bytes. */
  read: number;
  /** sha256 of the bytes. */
  hash: number;
  /** Decode, resample and normalise into the batch tensor. */
  preprocess: number;
  /** onnxruntime run(), every model: CPU time of this thread (see inference/threadCpu.ts), as run() blocks it. */
  inference: number;
  /** Waiting for this thread's turn at inference (another call's batch is being inferred) or for decodes to be queued. */
  waiting: number;
}

/** One model's part of a shared embedding: its vectors, or the error that stopped it (the other models go on). */
export type ModelVectors = { vectors: Map<string, Float32Array>; inferenceMs: number } | { error: unknown };

export interface SharedEmbedResult {
  /** In the order of the models given. */
  models: ModelVectors[];
  hashes: Map<string, string>;
  failed: { id: string; error: string }[];
  stages: StageTimes;
}

export const DEFAULT_BATCH_SIZE = 32;

/** One batch, preprocessed: the images that succeeded, packed at the front of `data` (a reused array: see batchBuffers.ts). */
interface PreparedBatch {
  ids: string[];
  data: Float32Array;
}

/** A batch being prepared: `launched` once every image is read and hashed and its decode queued on the libuv pool. */
interface Preparation {
  launched: Promise<void>;
  ready: Promise<PreparedBatch>;
}

/**
 * onnxruntime-node's run() blocks its thread, so a decode must be queued before it starts to overlap it. Inference on
 * this thread waits (at most this long) for the preparations under way to queue their decodes; reads of remote images
 * slower than that are not waited for.
 */
const LAUNCH_WAIT_MS = 50;
/** Preparations of this thread not launched yet (any embedding call's). */
const launching = new Set<Promise<void>>();
/** Milliseconds this thread has spent hashing images and queueing their decodes (any embedding call's). */
let preparingMs = 0;
/** One inference at a time on this thread: calls sharing it take turns batch by batch, in order. */
const inferenceTurn = new Semaphore(1);

async function launchesQueued(): Promise<void> {
  if (launching.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(launching), new Promise((resolve) => (timer = setTimeout(resolve, LAUNCH_WAIT_MS)))]);
  clearTimeout(timer);
}

/**
 * Reads and preprocesses a batch, every image at once (reads and decodes run on the libuv pool; each image has its
 * own read buffer until its decode is done); never rejects (failures are recorded in `result`).
 */
function prepareBatch(
  model: EmbeddingModel,
  sources: ImageSource[],
  baseDir: string,
  options: EmbedImagesOptions,
  result: SharedEmbedResult,
): Preparation {
  const size = model.imageSize;
  const data = takeBatchBuffer(sources.length * size);
  const errors: (string | null)[] = sources.map(() => null);
  const readBuffers = borrowReadBuffers(sources.length);
  const { stages } = result;
  let unlaunched = sources.length;
  let markLaunched!: () => void;
  const launched = new Promise<void>((resolve) => (markLaunched = resolve));
  const launch = () => {
    if (--unlaunched === 0) markLaunched();
  };
  if (unlaunched === 0) markLaunched();
  launching.add(launched);
  launched.then(() => launching.delete(launched));
  const images = sources.map(async (source, i) => {
    let queued = false;
    try {
      const t0 = performance.now();
      let bytes: Buffer;
      try {
        bytes = await readImageBytes(source.uri, baseDir, options.limits, readBuffers[i]);
      } finally {
        stages.read += performance.now() - t0;
      }
      const t1 = performance.now();
      result.hashes.set(source.id, createHash('sha256').update(bytes).digest('hex'));
      const t2 = performance.now();
      stages.hash += t2 - t1;
      const preprocessed = preprocessImage(bytes, model.recipe, model.layout, data, i * size, {
        name: source.uri,
        maxPixels: options.maxPixels,
      });
      preparingMs += performance.now() - t1;
      queued = true;
      launch();
      await preprocessed.finally(() => (stages.preprocess += performance.now() - t2));
    } catch (error) {
      if (!queued) launch();
      errors[i] = error instanceof Error ? error.message : String(error);
    }
  });
  const ready = Promise.all(images).then(() => {
    returnReadBuffers(readBuffers);
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
  });
  return { launched, ready };
}

/** Runs every model still going on a prepared batch, in this thread's turn; a model whose inference fails is stopped, the others go on. */
async function inferBatch(models: EmbeddingModel[], ready: PreparedBatch, result: SharedEmbedResult): Promise<void> {
  const waitStarted = performance.now();
  await inferenceTurn.acquire();
  result.stages.waiting += performance.now() - waitStarted;
  try {
    for (let m = 0; m < models.length; m++) {
      const part = result.models[m];
      if ('error' in part) continue;
      const launchWait = performance.now();
      await launchesQueued();
      result.stages.waiting += performance.now() - launchWait;
      const model = models[m];
      const started = threadCpuMs();
      const otherWork = preparingMs;
      try {
        const vectors = await model.embed(ready.data, ready.ids.length);
        ready.ids.forEach((id, k) => part.vectors.set(id, vectors.subarray(k * model.dim, (k + 1) * model.dim)));
      } catch (error) {
        result.models[m] = { error };
      }
      // Preparations of other batches run on this thread while run() waits for its turn: theirs, not inference.
      const spent = Math.max(0, threadCpuMs() - started - (preparingMs - otherWork));
      result.stages.inference += spent;
      part.inferenceMs += spent;
    }
  } finally {
    inferenceTurn.release();
  }
}

/**
 * Embeds `sources` with every one of `models`, which must share their recipe and layout (one preprocessing hash):
 * each image is read, hashed and preprocessed once, and its tensor feeds every model. While one batch is being inferred
 * the next is read and decoded. Images that fail to read or decode are listed in `failed` (for every model alike); a
 * model whose inference fails (a fault of the model) gets its error in its place of `models`.
 */
export async function embedWithModels(
  models: EmbeddingModel[],
  sources: ImageSource[],
  baseDir: string,
  options: EmbedImagesOptions = {},
): Promise<SharedEmbedResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`embedImages: batchSize must be a positive integer (got ${batchSize})`);
  if (models.length === 0) throw new RangeError('embedWithModels: no model given');
  const first = models[0];
  const other = models.find((m) => m.preprocessHash !== first.preprocessHash);
  if (other) throw new RangeError(`embedWithModels: models ${first.name} and ${other.name} preprocess differently`);
  const result: SharedEmbedResult = {
    models: models.map(() => ({ vectors: new Map(), inferenceMs: 0 })),
    hashes: new Map(),
    failed: [],
    stages: { read: 0, hash: 0, preprocess: 0, inference: 0, waiting: 0 },
  };
  const batches: ImageSource[][] = [];
  for (let i = 0; i < sources.length; i += batchSize) batches.push(sources.slice(i, i + batchSize));
  const prepare = (batch: ImageSource[]) => prepareBatch(first, batch, baseDir, options, result);
  let pending: Preparation | null = batches.length > 0 ? prepare(batches[0]) : null;
  let done = 0;
  try {
    for (let b = 0; b < batches.length && result.models.some((part) => !('error' in part)); b++) {
      const ready = await pending!.ready;
      pending = b + 1 < batches.length ? prepare(batches[b + 1]) : null;
      try {
        if (ready.ids.length > 0) await inferBatch(models, ready, result);
      } finally {
        returnBatchBuffer(ready.data);
      }
      done += batches[b].length;
      options.onBatch?.(done, sources.length);
    }
  } finally {
    // When every model failed, let the batch being prepared finish before the error surfaces.
    if (pending) returnBatchBuffer((await pending.ready).data);
  }
  return result;
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
  const { models, hashes, failed } = await embedWithModels([model], sources, baseDir, options);
  const part = models[0];
  if ('error' in part) throw part.error;
  return { vectors: part.vectors, hashes, failed };
}
