// Process-wide cache of loaded embedding models: one session per (ONNX content, recipe, output), shared by every caller.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { canonicalRecipe } from '../imaging/recipe.js';
import { localModelFile } from '../storage/modelFiles.js';
import { EmbeddingModel, type EmbeddingModelOptions } from './embeddingModel.js';
import type { ModelManifest } from './modelManifest.js';
import { checkOnnxSize } from './onnxFile.js';

const models = new Map<string, Promise<EmbeddingModel>>();
/** Content hash per file, reused while the file's size, mtime and inode are unchanged. */
const fileHashes = new Map<string, { stamp: string; hash: Promise<string> }>();

async function contentHash(path: string, model: string): Promise<string> {
  let stamp: string;
  let size: number;
  try {
    const s = await stat(path);
    stamp = `${s.size}:${s.mtimeMs}:${s.ino}`;
    size = s.size;
  } catch (error) {
    throw new UserInputError(`model ${model}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  checkOnnxSize(size, model, path);
  const known = fileHashes.get(path);
  if (known?.stamp === stamp) return known.hash;
  const hash = readFile(path).then((bytes) => createHash('sha256').update(bytes).digest('hex'));
  fileHashes.set(path, { stamp, hash });
  hash.catch(() => {
    if (fileHashes.get(path)?.hash === hash) fileHashes.delete(path);
  });
  return hash;
}

/**
 * The loaded model for a manifest: the same instance for the same ONNX bytes, recipe and output (the layout
 * follows from the ONNX file). The file may be an s3:// URI (downloaded once per process, see storage/modelFiles.ts).
 * The first caller's options (threads) apply. Do not release() a cached model; releaseModels() closes them all.
 */
export async function getModel(manifest: ModelManifest, options: EmbeddingModelOptions = {}): Promise<EmbeddingModel> {
  const file = await localModelFile(manifest.file);
  const hash = await contentHash(file, manifest.name);
  const key = `${hash}|${canonicalRecipe(manifest.preprocess)}|${manifest.output ?? ''}`;
  const cached = models.get(key);
  if (cached) {
    const model = await cached;
    if (!model.released) return model;
  }
  const loading = EmbeddingModel.load({ ...manifest, file }, options);
  models.set(key, loading);
  loading.catch(() => {
    if (models.get(key) === loading) models.delete(key);
  });
  return loading;
}

/** Releases every cached session (shutdown, tests). */
export async function releaseModels(): Promise<void> {
  const loaded = await Promise.allSettled([...models.values()]);
  models.clear();
  await Promise.all(loaded.map((r) => (r.status === 'fulfilled' ? r.value.release() : undefined)));
}
