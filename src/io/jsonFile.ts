// Reads a JSON file (a local path or an s3:// object) within the size and nesting limits, turning every problem into a one-line user error.
import { open } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { isS3Uri } from '../storage/s3Uri.js';
import { jsonDepthProblem } from './jsonDepth.js';
import { fileLimits } from '../storage/fileLimits.js';

const S3_TIMEOUT_MS = 120_000;

function tooLarge(path: string, what: string, maxBytes: number): UserInputError {
  return new UserInputError(`${what} ${path}: larger than the limit of ${maxBytes} bytes (CORREMBED_MAX_MANIFEST_BYTES)`);
}

async function readLocal(path: string, what: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UserInputError(`${what} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UserInputError(`${what} ${path}: not a file`);
    if (stats.size > maxBytes) throw tooLarge(path, what, maxBytes);
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw tooLarge(path, what, maxBytes);
    return bytes;
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    throw new UserInputError(`${what} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

async function readBytes(path: string, what: string, maxBytes: number): Promise<Buffer> {
  if (!isS3Uri(path)) return readLocal(path, what, maxBytes);
  // Loaded on demand: local commands never pay for the AWS SDK.
  const { readS3Object } = await import('../storage/s3Objects.js');
  return readS3Object(path, { maxBytes, timeoutMs: S3_TIMEOUT_MS, what });
}

/**
 * The parsed JSON of a file no larger than CORREMBED_MAX_MANIFEST_BYTES (checked before reading) and nested no deeper
 * than MAX_JSON_DEPTH (checked before parsing: later validation and messages recurse into the value).
 */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = (await readBytes(path, what, fileLimits().maxManifestBytes)).toString('utf8');
  const depth = jsonDepthProblem(text);
  if (depth !== null) throw new UserInputError(`${what} ${path}: ${depth}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${what} ${path}: malformed JSON (${(error as Error).message.split('\n')[0]})`);
  }
}
