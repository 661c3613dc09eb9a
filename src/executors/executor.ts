// The executor contract: embed and aggregate work as pure functions of references (model file + recipe, image uris, ids), any engine.
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
  model: ModelReference;
  /** Folder the relative image uris are resolved in (reads are confined to it). */
  baseDir: string;
  images: { id: string; uri: string }[];
}

/** What an embed task did: every embedded image's vector is in the embedding cache when this is returned. */
export interface EmbedResult {
  /** contentHash: sha256 of the image bytes, the cache's image key. */
  embedded: { id: string; contentHash: string }[];
  failed: { id: string; error: string }[];
  /** Wall-clock seconds the worker spent computing the vectors (read, decode, preprocess, inference); absent from older workers. */
  computeSeconds?: number;
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
