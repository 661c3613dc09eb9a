// Local files for ONNX models: a path as is, an s3:// object downloaded once per process into a cache folder.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileLimits } from './fileLimits.js';
import { headS3Object, pipeS3Object, type S3ReadLimits } from './s3Objects.js';
import { isS3Uri } from './s3Uri.js';
import { modelCacheDir } from './storageSettings.js';

/** Longest wait for one model download. */
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

/** Largest download: CORREMBED_MAX_ONNX_BYTES. */
function limits(): S3ReadLimits {
  return { maxBytes: fileLimits().maxOnnxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, what: 'model file' };
}

const downloads = new Map<string, Promise<string>>();

async function exists(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}

/** Downloads this version (ETag) of the object unless the cache holds it, through a temporary file renamed into place. */
async function download(uri: string): Promise<string> {
  const { etag, size } = await headS3Object(uri, limits());
  const dir = modelCacheDir();
  const path = join(dir, `${createHash('sha256').update(`${uri}\n${etag}`).digest('hex')}.onnx`);
  if (await exists(path, size)) return path;
  await mkdir(dir, { recursive: true });
  const partial = `${path}.${randomUUID()}.partial`;
  const handle = await open(partial, 'w');
  try {
    await pipeS3Object(uri, { ...limits(), ifMatch: etag }, (chunk) => handle.write(chunk));
    await handle.close();
    await rename(partial, path);
    return path;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

/** A local path for a model file: a path comes back unchanged; an s3:// URI is downloaded once per process (callers share it). */
export function localModelFile(fileOrUri: string): Promise<string> {
  if (!isS3Uri(fileOrUri)) return Promise.resolve(fileOrUri);
  let local = downloads.get(fileOrUri);
  if (!local) {
    local = download(fileOrUri);
    downloads.set(fileOrUri, local);
    local.catch(() => {
      if (downloads.get(fileOrUri) === local) downloads.delete(fileOrUri);
    });
  }
  return local;
}
