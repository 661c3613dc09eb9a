// The executor contract: embed work as a pure function of references (model file + recipe, image uris), any engine.
import type { PreprocessRecipe } from '../imaging/preprocess.js';

/** What a worker needs to load a model: the registered model's file and recipe, never its bytes. */
export interface ModelReference {
  name: string;
  onnxPath: string;
  preprocess: PreprocessRecipe;
  outputName: string;
}

export interface EmbedTask {
  model: ModelReference;
  /** Folder the image uris are relative to (reads are confined to it). */
  baseDir: string;
  images: { id: string; uri: string }[];
}

export interface EmbeddedImage {
  id: string;
  /** sha256 of the image bytes, the embedding cache's image key. */
  contentHash: string;
  vector: Float32Array;
}

export interface EmbedResult {
  embedded: EmbeddedImage[];
  failed: { id: string; error: string }[];
}

export interface Executor {
  embed(task: EmbedTask): Promise<EmbedResult>;
  close(): Promise<void>;
}
