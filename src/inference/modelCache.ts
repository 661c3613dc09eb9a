// Process-wide cache of loaded embedding models: one session per (ONNX content, recipe, output), shared by every caller.
import { readFile, stat } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { canonicalRecipe } from '../imaging/recipe.js';
import { localModelFile } from '../storage/modelFiles.js';
import { EmbeddingModel, type EmbeddingModelOptions } from './embeddingModel.js';
import { confineExternalData, modelContentHash } from './externalData.js';
import type { ModelManifest } from './modelManifest.js';
import { checkOnnxSize } from './onnxFile.js';

const models = new Map<string, Promise<EmbeddingModel>>();
/** Content hash per model file (its external data included), reused while no file's size, mtime or inode changed. */
const fileHashes = new Map<string, { stamp: string; externalPaths: Promise<string[]>; hash: Promise<string> }>();

/** Size, mtime and inode of each file; null when one cannot be read. */
async function stamps(paths: readonly string[]): Promise<string | null> {
  const stats = await Promise.all(paths.map((path) => stat(path).catch(() => null)));
  return stats.every((s) => s !== null) ? stats.map((s) => `${s!.size}:${s!.mtimeMs}:${s!.ino}`).join('|') : null;
}

async function contentHash(path: string, model: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new UserInputError(`model ${model}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  checkOnnxSize(size, model, path);
  const known = fileHashes.get(path);
  if (known && (await stamps([path, ...(await known.externalPaths.catch(() => []))])) === known.stamp) return known.hash;
  const read = readFile(path).then(async (bytes) => ({ bytes, files: (await confineExternalData(path, bytes, model)).files }));
  const externalPaths = read.then(({ files }) => files.map((f) => f.path));
  const stamp = await stamps([path, ...(await externalPaths.catch(() => []))]);
  const hash = read.then(({ bytes, files }) => modelContentHash(bytes, files));
  if (stamp === null) return hash;
  fileHashes.set(path, { stamp, externalPaths, hash });
  hash.catch(() => {
    if (fileHashes.get(path)?.hash === hash) fileHashes.delete(path);
  });
  return hash;
}

/**
 * The loaded model for a manifest: the same instance for the same ONNX bytes, recipe and output (the layout
 * follows from the ONNX file). The file may be an s3:// URI (downloaded once per process, see storage/modelFiles.ts).
 * The first caller's options (threads) apply. Do not release() a cached model; releaseModel() and releaseModels() close them.
 */
export async function getModel(manifest: ModelManifest, options: EmbeddingModelOptions = {}): Promise<EmbeddingModel> {
  const { file, key } = await modelKey(manifest);
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

async function modelKey(manifest: ModelManifest): Promise<{ file: string; key: string }> {
  const file = await localModelFile(manifest.file);
  const hash = await contentHash(file, manifest.name);
  return { file, key: `${hash}|${canonicalRecipe(manifest.preprocess)}|${manifest.output ?? ''}` };
}

/** Releases the cached session of one model, if loaded (a later getModel loads it again); no caller may be using it. */
export async function releaseModel(manifest: ModelManifest): Promise<void> {
  const { key } = await modelKey(manifest);
  const cached = models.get(key);
  if (!cached) return;
  models.delete(key);
  const model = await cached.catch(() => null);
  await model?.release();
}

/** Releases every cached session (shutdown, tests). */
export async function releaseModels(): Promise<void> {
  const loaded = await Promise.allSettled([...models.values()]);
  models.clear();
  await Promise.all(loaded.map((r) => (r.status === 'fulfilled' ? r.value.release() : undefined)));
}
