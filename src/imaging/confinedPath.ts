// Resolves a path inside a base folder, following symlinks, and refuses any path that ends up outside it.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserInputError } from '../errors.js';

/** Real path of `path` (relative to baseDir, or absolute) when it lies inside baseDir; `label` starts each error. */
export async function resolveInside(path: string, baseDir: string, label: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(baseDir);
  } catch {
    throw new UserInputError(`${label}: folder ${baseDir} does not exist`, 'NOT_FOUND');
  }
  let target: string;
  try {
    target = await realpath(resolve(root, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserInputError(`${label}: not found`, 'NOT_FOUND');
    throw new UserInputError(`${label}: cannot read (${code ?? 'error'})`);
  }
  const rel = relative(root, target);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new UserInputError(`${label}: outside the folder ${baseDir}`);
  return target;
}
