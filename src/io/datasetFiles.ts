// Loads a dataset manifest and its embeddings (.npy file or inline arrays) from disk.
import { readFile } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { parseManifest, type DatasetManifest } from '../metric/dataset.js';
import { inlineEmbeddings, type EmbeddingMatrix } from '../metric/embeddings.js';
import { readJsonFile } from './jsonFile.js';
import { parseNpyMatrix } from './npy.js';

export async function loadManifest(path: string): Promise<DatasetManifest> {
  return parseManifest(await readJsonFile(path, 'manifest'));
}

/** Embeddings from `npyPath` when given (rows must match the manifest's images), else the inline arrays. */
export async function loadEmbeddings(manifest: DatasetManifest, npyPath?: string): Promise<EmbeddingMatrix> {
  if (npyPath === undefined) return inlineEmbeddings(manifest.images);
  let bytes: Buffer;
  try {
    bytes = await readFile(npyPath);
  } catch (error) {
    throw new UserInputError(`embeddings ${npyPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  const matrix = parseNpyMatrix(bytes, `embeddings ${npyPath}`);
  if (matrix.rows !== manifest.images.length) {
    throw new UserInputError(`embeddings ${npyPath}: ${matrix.rows} rows but the manifest lists ${manifest.images.length} images (one row per image, in manifest order)`);
  }
  return matrix;
}
