// Reads a JSON file (a local path or an s3:// object), turning missing files and syntax errors into one-line user errors.
import { readFile } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { isS3Uri } from '../storage/s3Uri.js';

/** Manifests of a million images run to hundreds of megabytes. */
const MAX_JSON_BYTES = 1024 * 1024 * 1024;
const S3_TIMEOUT_MS = 120_000;

async function readText(path: string, what: string): Promise<string> {
  if (isS3Uri(path)) {
    // Loaded on demand: local commands never pay for the AWS SDK.
    const { readS3Object } = await import('../storage/s3Objects.js');
    return (await readS3Object(path, { maxBytes: MAX_JSON_BYTES, timeoutMs: S3_TIMEOUT_MS, what })).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(`${what} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${what} ${path}: malformed JSON (${(error as Error).message})`);
  }
}
