// Confines manifest paths given through the API, and the s3:// objects they name, to the configured roots: no `..` or symlink escape.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserInputError } from '../errors.js';
import { isS3Uri, parseS3Uri } from '../storage/s3Uri.js';

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

async function realRoot(root: string): Promise<string | null> {
  try {
    return await realpath(root);
  } catch {
    return null;
  }
}

function refuse(what: string, path: string): never {
  throw new UserInputError(`${what} ${path}: outside the folders this server reads manifests from (CORREMBED_DATA_ROOTS)`);
}

/**
 * An s3:// URI (a manifest, or an image or model file a manifest names) must lie under an s3:// root; its key may not
 * hold `.` or `..` segments (S3-compatible stores may collapse them).
 */
export function confineS3Uri(uri: string, roots: readonly string[], what: string): string {
  const { key } = parseS3Uri(uri);
  if (key.split('/').some((part) => part === '.' || part === '..')) refuse(what, uri);
  if (!roots.some((root) => isS3Uri(root) && uri.startsWith(root))) refuse(what, uri);
  return uri;
}

/**
 * The absolute path (or s3:// URI) of a manifest named through the API, refused unless it lies under one of `roots`
 * both as written (`..` resolved) and once symlinks are resolved. A path outside every root is refused before the file
 * system is touched, so the answer does not tell whether it exists.
 */
export async function confineManifestPath(path: string, roots: readonly string[], what: string): Promise<string> {
  if (isS3Uri(path)) return confineS3Uri(path, roots, what);
  const absolute = resolve(path);
  const local = roots.filter((root) => !isS3Uri(root));
  const reals = await Promise.all(local.map(realRoot));
  const candidates = local.flatMap((root, i) => (reals[i] === null ? [] : [root, reals[i]!]));
  if (!candidates.some((root) => within(root, absolute))) refuse(what, path);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (error) {
    throw new UserInputError(`${what} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  if (!reals.some((root) => root !== null && within(root, real))) refuse(what, path);
  return absolute;
}
