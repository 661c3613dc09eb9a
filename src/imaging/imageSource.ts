// Reads an image's bytes from a path confined to a base folder, or from an http(s) URL (public addresses only) or s3:// object with size and time limits.
import { open, type FileHandle } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { readS3Object } from '../storage/s3Objects.js';
import { isS3Uri } from '../storage/s3Uri.js';
import { configuredUrlPolicy, type UrlPolicy } from './addressPolicy.js';
import { resolveInside } from './confinedPath.js';
import type { ReadBuffer } from './readBuffer.js';
import { fetchUrl } from './urlFetch.js';

export interface ImageReadLimits {
  /** Largest image accepted, in bytes (default 50 MB). */
  maxBytes?: number;
  /** Longest wait for a URL or S3 object, connection to last byte, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Which addresses URLs may reach (default: public only, or what CORREMBED_ALLOW_PRIVATE_URLS / CORREMBED_URL_ALLOW_HOSTS allow). */
  urls?: UrlPolicy;
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;

const URL_PATTERN = /^https?:\/\//i;
const OTHER_URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Whether uri is a remote image (an http(s) URL or an s3:// URI) rather than a path. */
export function isImageUrl(uri: string): boolean {
  return URL_PATTERN.test(uri) || isS3Uri(uri);
}

function tooLarge(uri: string, maxBytes: number): UserInputError {
  return new UserInputError(`image ${uri}: larger than the limit of ${maxBytes} bytes`);
}

/** The file's first `size` bytes (fewer if it shrank since its stat), in `scratch` when given. */
async function readAll(handle: FileHandle, size: number, scratch: ReadBuffer | undefined): Promise<Buffer> {
  const buffer = scratch?.take(size) ?? Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function readConfined(uri: string, baseDir: string, maxBytes: number, scratch: ReadBuffer | undefined): Promise<Buffer> {
  const path = await resolveInside(uri, baseDir, `image ${uri}`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UserInputError(`image ${uri}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UserInputError(`image ${uri}: not a file`);
    if (stats.size > maxBytes) throw tooLarge(uri, maxBytes);
    return await readAll(handle, stats.size, scratch);
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    throw new UserInputError(`image ${uri}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of an image: an s3://bucket/key object is read with the process's S3 client and an http(s) URL is
 * fetched (public addresses only unless the policy allows more, every redirect re-checked), both within the limits;
 * anything else is a path resolved inside baseDir that must stay inside it once
 * symlinks are resolved. Failures are UserInputErrors that name the uri. With `scratch`, a file's bytes are read into
 * it and are valid only until the next read into the same ReadBuffer (remote images always get buffers of their own).
 */
export async function readImageBytes(uri: string, baseDir: string, limits: ImageReadLimits = {}, scratch?: ReadBuffer): Promise<Buffer> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (isS3Uri(uri)) return readS3Object(uri, { maxBytes, timeoutMs, what: 'image' });
  if (isImageUrl(uri)) return fetchUrl(uri, `image ${uri}`, { maxBytes, timeoutMs, policy: limits.urls ?? configuredUrlPolicy() });
  if (uri.trim() === '') throw new UserInputError('image "": empty path');
  if (OTHER_URL_PATTERN.test(uri))
    throw new UserInputError(`image ${uri}: only relative paths and http(s) URLs or s3://bucket/key are supported`);
  return readConfined(uri, baseDir, maxBytes, scratch);
}
