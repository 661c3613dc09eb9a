// Checks a manifest's image uris (files inside the manifest's folder, http(s) URLs or s3:// objects) and hashes the local files.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserInputError } from '../errors.js';
import { DEFAULT_MAX_BYTES } from '../imaging/imageSource.js';
import { isS3Uri, parseS3Uri } from '../storage/s3Uri.js';

export interface ImageSource {
  id: string;
  uri: string;
}

/** Files hashed at once. */
const CONCURRENCY = 16;

export function isRemoteUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri) || isS3Uri(uri);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** The sha256 (hex) of each image's file, null for remote images (hashed when first fetched); every problem is a UserInputError naming the image. */
export async function hashImageSources(rootDir: string, images: ImageSource[]): Promise<(string | null)[]> {
  // Resolved on the first local image: a manifest of remote images may have no local folder at all.
  let rootPath: Promise<string> | null = null;
  const hashes: (string | null)[] = new Array(images.length).fill(null);
  const missing: number[] = [];
  const check = async (i: number) => {
    const { id, uri } = images[i];
    if (isS3Uri(uri)) {
      try {
        parseS3Uri(uri);
      } catch (error) {
        throw new UserInputError(`image "${id}": ${(error as Error).message}`);
      }
      return;
    }
    if (isRemoteUri(uri)) {
      if (!URL.canParse(uri)) throw new UserInputError(`image "${id}": malformed URL ${uri}`);
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri))
      throw new UserInputError(
        `image "${id}": uri ${uri} must be a path relative to the manifest's folder, an http(s) URL or an s3://bucket/key URI`,
      );
    if (isAbsolute(uri)) throw new UserInputError(`image "${id}": uri ${uri} must be relative to the manifest's folder`);
    const root = await (rootPath ??= realpath(rootDir));
    const path = resolve(root, uri);
    if (!inside(root, path)) throw new UserInputError(`image "${id}": ${uri} is outside the manifest's folder`);
    let file: string;
    try {
      file = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new UserInputError(`image "${id}": cannot read ${uri} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      missing.push(i);
      return;
    }
    if (!inside(root, file)) throw new UserInputError(`image "${id}": ${uri} links outside the manifest's folder`);
    try {
      // Larger files would be refused when embedded; reading them whole to hash them could exhaust memory.
      if ((await stat(file)).size > DEFAULT_MAX_BYTES)
        throw new UserInputError(`image "${id}": ${uri} is larger than the limit of ${DEFAULT_MAX_BYTES} bytes`);
      hashes[i] = createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    } catch (error) {
      if (error instanceof UserInputError) throw error;
      throw new UserInputError(`image "${id}": cannot read ${uri} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < images.length) {
      await check(next++).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, images.length) }, worker));
  if (missing.length > 0) {
    const named = missing
      .sort((a, b) => a - b)
      .slice(0, 3)
      .map((i) => `${images[i].uri} (image "${images[i].id}")`);
    const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
    throw new UserInputError(`image file${missing.length > 1 ? 's' : ''} not found: ${named.join(', ')}${more}`);
  }
  return hashes;
}
