// The embed work every engine shares: compute a task's vectors for each of its models, and write them as shards, returned as references.
import type { EmbeddingCache, ShardRecord } from '../embedding/embeddingCache.js';
import { embedWithModels, type StageTimes } from '../embedding/embedImages.js';
import { float32ToFloat16Bits } from '../embedding/float16.js';
import type { EmbeddingModel } from '../inference/embeddingModel.js';
import { getModel } from '../inference/modelCache.js';
import type { ModelManifest } from '../inference/modelManifest.js';
import { threadId } from '../inference/threadCpu.js';
import type { EmbedResult, EmbedStages, EmbedTask, ModelEmbedResult, ModelReference } from './executor.js';

/** One model's vectors in the cache's form: unit length, float16, one row per id of `ids` (the task's images that were read). */
export interface ComputedVectors {
  dim: number;
  float16: Uint8Array;
  /** Seconds of this model's inference and its share of reading and preprocessing (waits for the worker's other task excluded). */
  computeSeconds: number;
}

/** A task's vectors, model by model (a model that failed as a whole has its error), computed and encoded. */
export interface ComputedEmbeddings {
  models: (ComputedVectors | { error: unknown })[];
  /** The images read, in task order, with their sha256: every model's rows follow this order. */
  ids: string[];
  contentHashes: string[];
  failed: { id: string; error: string }[];
  stages: StageTimes & { inferenceByModel: number[]; encode: number; thread: number | null };
}

/** A task's vectors for some of its models (indices in the task's order), as one worker computed them. */
export interface ComputedPart {
  models: number[];
  computed: ComputedEmbeddings;
}

/** The manifest a worker loads a model reference's session from. */
export function manifestOf(model: ModelReference): ModelManifest {
  return { name: model.name, file: model.onnxPath, preprocess: model.preprocess, output: model.outputName };
}

/**
 * Reads, preprocesses and embeds a task's images once for all its models (one cached session per model file): models
 * that preprocess alike share every image's tensor. A model that cannot load or infer fails alone.
 */
export async function computeEmbeddings(task: EmbedTask, threads: number): Promise<ComputedEmbeddings> {
  const loads = await Promise.allSettled(task.models.map((m) => getModel(manifestOf(m), { threads })));
  const out: ComputedEmbeddings = {
    models: loads.map((load) =>
      load.status === 'rejected' ? { error: load.reason } : { dim: 0, float16: new Uint8Array(), computeSeconds: 0 },
    ),
    ids: [],
    contentHashes: [],
    failed: [],
    stages: {
      read: 0,
      hash: 0,
      preprocess: 0,
      inference: 0,
      waiting: 0,
      inferenceByModel: task.models.map(() => 0),
      encode: 0,
      thread: threadId(),
    },
  };
  // Models whose layouts differ despite the task's grouping still each get a pass of their own.
  const groups = new Map<string, number[]>();
  loads.forEach((load, m) => {
    if (load.status === 'fulfilled') groups.set(load.value.preprocessHash, [...(groups.get(load.value.preprocessHash) ?? []), m]);
  });
  for (const indices of groups.values()) {
    const models = indices.map((m) => (loads[m] as PromiseFulfilledResult<EmbeddingModel>).value);
    const started = performance.now();
    const shared = await embedWithModels(models, task.images, task.baseDir);
    const wall = performance.now() - started;
    for (const key of ['read', 'hash', 'preprocess', 'inference', 'waiting'] as const) out.stages[key] += shared.stages[key];
    if (out.ids.length === 0) {
      out.ids = task.images.flatMap((image) =>
        shared.hashes.has(image.id) && !shared.failed.some((f) => f.id === image.id) ? [image.id] : [],
      );
      out.contentHashes = out.ids.map((id) => shared.hashes.get(id)!);
      out.failed = shared.failed;
    }
    // Time the thread spent inferring for its other embed job does not count towards this one.
    const ownShare = Math.max(0, wall - shared.stages.inference - shared.stages.waiting) / models.length;
    const encodeStarted = performance.now();
    indices.forEach((m, k) => {
      const part = shared.models[k];
      if ('error' in part) {
        out.models[m] = { error: part.error };
        return;
      }
      out.stages.inferenceByModel[m] = part.inferenceMs;
      const dim = models[k].dim;
      out.models[m] = {
        dim,
        float16: unitFloat16Rows(
          out.ids.map((id) => part.vectors.get(id)!),
          dim,
        ),
        computeSeconds: (part.inferenceMs + ownShare) / 1000,
      };
    });
    out.stages.encode += performance.now() - encodeStarted;
  }
  return out;
}

/** Writes each model's vectors as a shard of the vector store (a repeated task writes the same shards) and returns what was embedded. */
export async function storeEmbeddings(cache: EmbeddingCache, task: EmbedTask, computed: ComputedEmbeddings): Promise<EmbedResult> {
  return storeEmbeddingParts(cache, task, [{ models: task.models.map((_, m) => m), computed }]);
}

/** storeEmbeddings for a task computed in parts, each with the images it read; the shards are written in parallel. */
export async function storeEmbeddingParts(cache: EmbeddingCache, task: EmbedTask, parts: ComputedPart[]): Promise<EmbedResult> {
  const started = performance.now();
  const shards = new Map<number, ShardRecord>();
  await Promise.all(
    parts.flatMap(({ models, computed }) =>
      models.map(async (m, k) => {
        const part = computed.models[k];
        if ('error' in part || computed.ids.length === 0) return;
        const shard = await cache.writeShard({
          modelHash: task.models[m].onnxHash,
          preprocessHash: task.models[m].preprocessHash,
          imageHashes: computed.contentHashes,
          dim: part.dim,
          float16: part.float16,
        });
        shards.set(m, shard);
      }),
    ),
  );
  const models: ModelEmbedResult[] = task.models.map(() => ({ error: 'not computed' }));
  const stages: EmbedStages = {
    read: 0,
    hash: 0,
    preprocess: 0,
    inference: 0,
    waiting: 0,
    encode: 0,
    store: 0,
    inferenceByModel: [],
    threads: [],
  };
  for (const { models: indices, computed } of parts) {
    const embedded = computed.ids.map((id, i) => ({ id, contentHash: computed.contentHashes[i] }));
    indices.forEach((m, k) => {
      const part = computed.models[k];
      const shard = shards.get(m);
      models[m] =
        'error' in part
          ? { error: errorMessage(part.error) }
          : { embedded, failed: computed.failed, shards: shard ? [shard] : [], computeSeconds: part.computeSeconds };
      stages.inferenceByModel[m] = computed.stages.inferenceByModel[k];
    });
    for (const key of ['read', 'hash', 'preprocess', 'inference', 'waiting', 'encode'] as const) stages[key] += computed.stages[key];
    if (computed.stages.thread !== null) stages.threads.push(computed.stages.thread);
  }
  return { models, stages: { ...stages, store: performance.now() - started } };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cache holds float16, whose range ends at 65504: vectors are stored at unit length (cosines, and so every
 * score, are unchanged) so large activations cannot overflow. An all-zero vector stays zero (scoring refuses it).
 * Rows are scaled in float32, as Float32Array arithmetic rounds, then rounded to float16.
 */
function unitFloat16Rows(rows: Float32Array[], dim: number): Uint8Array {
  const bytes = new Uint8Array(rows.length * dim * 2);
  rows.forEach((vector, r) => {
    let sumSq = 0;
    for (let i = 0; i < dim; i++) sumSq += vector[i] * vector[i];
    const scale = sumSq === 0 || !Number.isFinite(sumSq) ? 1 : 1 / Math.sqrt(sumSq);
    const base = r * dim * 2;
    for (let i = 0; i < dim; i++) {
      const h = float32ToFloat16Bits(scale === 1 ? vector[i] : Math.fround(vector[i] * scale));
      bytes[base + 2 * i] = h & 0xff;
      bytes[base + 2 * i + 1] = h >>> 8;
    }
  });
  return bytes;
}
