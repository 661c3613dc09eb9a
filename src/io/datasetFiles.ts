// Loads a dataset manifest and its embeddings (.npy file or inline arrays) from disk.
import { open } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { parseManifest, type DatasetManifest } from '../metric/dataset.js';
import { inlineEmbeddings, type EmbeddingMatrix } from '../metric/embeddings.js';
import { readJsonFile } from './jsonFile.js';
import { parseNpyMatrix } from './npy.js';

export async function loadManifest(path: string): Promise<DatasetManifest> {
  return parseManifest(await readJsonFile(path, 'manifest'));
}

/** Reads a whole file into shared memory, so scoring worker threads can use its contents without a copy. */
async function readFileShared(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = Buffer.from(new SharedArrayBuffer(size));
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await file.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return bytes.subarray(0, offset);
  } finally {
    await file.close();
  }
}

async function readNpy(npyPath: string): Promise<Buffer> {
  try {
    return await readFileShared(npyPath);
  } catch (error) {
    throw new UserInputError(`embeddings ${npyPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
}

/**
 * The manifest and its embeddings: from `npyPath` when given (rows must match the manifest's images), else the
 * inline arrays. The .npy file is read while the manifest is parsed.
 */
export async function loadDatasetWithEmbeddings(manifestPath: string, npyPath?: string): Promise<{ manifest: DatasetManifest; embeddings: EmbeddingMatrix }> {
  const reading = npyPath === undefined ? null : readNpy(npyPath);
  reading?.catch(() => undefined);
  const manifest = await loadManifest(manifestPath);
  if (reading === null || npyPath === undefined) return { manifest, embeddings: inlineEmbeddings(manifest.images) };
  const matrix = parseNpyMatrix(await reading, `embeddings ${npyPath}`);
  if (matrix.rows !== manifest.images.length) {
    throw new UserInputError(`embeddings ${npyPath}: ${matrix.rows} rows but the manifest lists ${manifest.images.length} images (one row per image, in manifest order)`);
  }
  return { manifest, embeddings: matrix };
}
