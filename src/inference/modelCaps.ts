// Caps a model cannot exceed (embedding width, memory at load, memory per run), measured as it loads; each refusal names its setting.
import { UserInputError } from '../errors.js';

/** Caps a model cannot exceed, measured when it is loaded. */
export interface ModelCaps {
  /** Widest embedding (floats per image): CORREMBED_MAX_EMBEDDING_DIM. */
  maxEmbeddingDim: number;
  /** Most memory a model's session may take when it is created (weights, constants folded at load): CORREMBED_MAX_MODEL_LOAD_BYTES. */
  maxLoadBytes: number;
  /** Most memory one inference run may take; larger batches are run in parts that fit: CORREMBED_MAX_MODEL_BATCH_BYTES. */
  maxBatchBytes: number;
}

export const DEFAULT_MODEL_CAPS: Readonly<ModelCaps> = {
  maxEmbeddingDim: 16_384,
  maxLoadBytes: 6 * 1024 ** 3,
  maxBatchBytes: 2 * 1024 ** 3,
};

let caps: ModelCaps = DEFAULT_MODEL_CAPS;

/** Sets the caps models loaded on this thread get unless their loader names others (the process's start; each embed worker). */
export function useModelCaps(chosen: ModelCaps): void {
  caps = chosen;
}

/** This thread's caps: the defaults until useModelCaps. */
export function modelCaps(): ModelCaps {
  return caps;
}

const MIB = 1024 ** 2;
const mib = (bytes: number): string => `${Math.ceil(bytes / MIB)} MiB`;

/** What `work` added to the process's resident memory (onnxruntime's arena keeps what a run needed, so it stays counted). */
export async function residentGrowth<T>(work: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const before = process.memoryUsage.rss();
  const value = await work();
  return { value, bytes: Math.max(0, process.memoryUsage.rss() - before) };
}

/** Refuses a declared or measured output wider than the cap (checked from the graph's metadata before any run, again after the test run). */
export function checkEmbeddingWidth(model: string, width: number, caps: ModelCaps): void {
  if (width > caps.maxEmbeddingDim) {
    throw new UserInputError(
      `model ${model}: its output has ${width} floats per image, over the cap of ${caps.maxEmbeddingDim} (CORREMBED_MAX_EMBEDDING_DIM)`,
    );
  }
}

/** Refuses a session whose creation took more memory than the cap. */
export function checkLoadMemory(model: string, bytes: number, caps: ModelCaps): void {
  if (bytes > caps.maxLoadBytes) {
    throw new UserInputError(
      `model ${model}: loading it took ${mib(bytes)}, over the cap of ${mib(caps.maxLoadBytes)} (CORREMBED_MAX_MODEL_LOAD_BYTES)`,
    );
  }
}

/**
 * How many images one run may hold, from what a test run of `probed` images took: at least one, or a refusal when a
 * single image (or the graph's fixed batch) needs more than the cap.
 */
export function imagesPerRun(model: string, probeBytes: number, probed: number, fixedBatch: number | null, caps: ModelCaps): number {
  const perImage = probeBytes / probed;
  const fit = perImage === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(caps.maxBatchBytes / perImage);
  const least = fixedBatch ?? 1;
  if (fit < least) {
    throw new UserInputError(
      `model ${model}: a run of ${least} image${least === 1 ? '' : 's'} needs about ${mib(perImage * least)}, over the cap of ${mib(caps.maxBatchBytes)} per run (CORREMBED_MAX_MODEL_BATCH_BYTES)`,
    );
  }
  return fixedBatch ?? fit;
}
