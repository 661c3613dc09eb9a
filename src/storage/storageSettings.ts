// Where s3:// objects are read (region, another endpoint) and downloaded models kept, set once per thread; apart from the AWS SDK, which loads on first use.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The region (AWS_REGION) and, for S3-compatible stores, another endpoint (CORREMBED_S3_ENDPOINT). */
export interface S3Settings {
  region: string;
  /** Path-style addressing against this endpoint instead of AWS's. */
  endpoint: string | undefined;
}

let settings: S3Settings = { region: 'us-east-1', endpoint: undefined };

/** Sets where this thread's S3 client connects (the process's start; each embed worker); the next use creates it anew. */
export function useS3Settings(chosen: S3Settings): void {
  settings = chosen;
}

/** This thread's settings: us-east-1 on AWS until useS3Settings. */
export function s3Settings(): S3Settings {
  return settings;
}

/** The model download folder (CORREMBED_MODEL_CACHE_DIR): corrembed-models in the system's temporary folder until set. */
let cacheDir = join(tmpdir(), 'corrembed-models');

/** Sets where s3:// model files are downloaded (the process's start; each embed worker from its worker data). */
export function useModelCacheDir(dir: string): void {
  cacheDir = dir;
}

/** This thread's model download folder. */
export function modelCacheDir(): string {
  return cacheDir;
}
