// The executor contract: embed and aggregate work as pure functions of references (model file + recipe, image uris, ids), any engine.
import type { ShardRecord } from '../embedding/embeddingCache.js';
import type { PreprocessRecipe } from '../imaging/preprocess.js';
import type { EncodedPassResult, ShardRequest } from '../metric/aggregateShards.js';
import type { ScoreOptions } from '../metric/options.js';

/** What a worker needs to load a model and key its cache entries: the registered model's file and recipe, never its bytes. */
export interface ModelReference {
  name: string;
  onnxPath: string;
  preprocess: PreprocessRecipe;
  outputName: string;
  /** The embedding cache's model key. */
  onnxHash: string;
  preprocessHash: string;
}

export interface EmbedTask {
  /**
   * Models that preprocess alike (one preprocessing hash): each image is read, hashed and preprocessed once, and its
   * tensor feeds every one of them.
   */
  models: ModelReference[];
  /** Folder the relative image uris are resolved in (reads are confined to it). */
  baseDir: string;
  images: { id: string; uri: string }[];
}

/**
 * One model's part of an embed task: every embedded image's vector is in a shard of the vector store when this is
 * returned, and `shards` says which; the caller records them (with the batch's completion).
 */
export interface ModelEmbedded {
  /** contentHash: sha256 of the image bytes, the cache's image key. */
  embedded: { id: string; contentHash: string }[];
  failed: { id: string; error: string }[];
  /** The shards written for this model (absent or empty: its vectors were recorded already). */
  shards?: ShardRecord[];
  /** Seconds the worker spent on this model: its inference, and its share of read, decode, preprocess (waits for its other task excluded). */
  computeSeconds?: number;
  /** Images whose vectors this result's own work computed (computeSeconds is theirs); absent: all of `embedded`. */
  computedImages?: number;
}

/** A model that failed as a whole (it cannot be loaded, or its inference failed): the task's other models are unaffected. */
export interface ModelFailed {
  error: string;
}

export type ModelEmbedResult = ModelEmbedded | ModelFailed;

/** Milliseconds an embed task spent per stage, summed over its images and the workers that shared it (see embedding/embedImages.ts), and storing. */
export interface EmbedStages {
  read: number;
  hash: number;
  preprocess: number;
  inference: number;
  /** Inference per model of the task, in its order. */
  inferenceByModel: number[];
  waiting: number;
  /** Unit length and float16, on the computing thread. */
  encode: number;
  /** Writing the vectors' shards to the vector store. */
  store: number;
  /** OS ids of the threads that computed (Linux; see inference/threadCpu.ts), for per-thread CPU accounting. */
  threads: number[];
}

/** What an embed task did, model by model. */
export interface EmbedResult {
  /** In the order of the task's models. */
  models: ModelEmbedResult[];
  /** Where the time went (absent from engines that do not say). */
  stages?: EmbedStages;
}

/** One shard of one scoring pass of an evaluation, computed from the dataset and the cached embeddings. */
export interface AggregateTask {
  datasetId: string;
  model: { onnxHash: string; preprocessHash: string };
  options: ScoreOptions;
  request: ShardRequest;
  /** Images the caller scores (those with a cached vector): a function that sees another count reloads, then refuses. */
  scoredImages: number;
}

export interface Executor {
  embed(task: EmbedTask): Promise<EmbedResult>;
  /** Fans a scoring pass out as `shards` aggregate tasks; absent: scoring runs in this process. */
  aggregate?: { shards: number; run(task: AggregateTask): Promise<EncodedPassResult> };
  close(): Promise<void>;
}
