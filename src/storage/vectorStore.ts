// Where embedding shards lie: immutable objects under a local folder or an s3:// prefix, written whole and read whole.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import { readS3Object, writeS3Object } from './s3Objects.js';
import { isS3Uri, parseS3Uri } from './s3Uri.js';

/** A shard read or write that has no complete answer within this long fails (and its batch is retried). */
const TIMEOUT_MS = 120_000;

/** Bytes and objects this process moved to and from the store (benchmarks read them). */
export interface VectorStoreStats {
  objectsWritten: number;
  bytesWritten: number;
  objectsRead: number;
  bytesRead: number;
}

export class VectorStore {
  readonly stats: VectorStoreStats = { objectsWritten: 0, bytesWritten: 0, objectsRead: 0, bytesRead: 0 };
  /** The root as an absolute folder or an s3://bucket/prefix without a trailing slash. */
  readonly root: string;

  /** `root`: a folder (made absolute against the current one) or s3://bucket[/prefix]. */
  constructor(root: string) {
    if (isS3Uri(root)) {
      const { bucket, key } = parseS3Uri(root.endsWith('/') ? `${root}x` : `${root}/x`);
      const prefix = key.slice(0, -1).replace(/\/+$/, '');
      this.root = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    } else {
      this.root = resolve(root);
    }
  }

  /** Writes `bytes` under `key` (a relative path of safe characters) and returns the object's location: the same key always gives the same location. */
  async write(key: string, bytes: Uint8Array): Promise<string> {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').includes('..'))
      throw new Error(`vector store: bad key "${key}"`);
    let location: string;
    if (this.root.startsWith('s3://')) {
      location = `${this.root}/${key}`;
      await writeS3Object(location, bytes, { timeoutMs: TIMEOUT_MS, what: 'embedding shard' });
    } else {
      location = join(this.root, key);
      await mkdir(dirname(location), { recursive: true });
      // Written beside it and renamed: a reader never sees half a shard, and writers of one key write the same bytes.
      const partial = `${location}.${randomUUID()}.partial`;
      try {
        await writeFile(partial, bytes);
        await rename(partial, location);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    }
    this.stats.objectsWritten++;
    this.stats.bytesWritten += bytes.byteLength;
    return location;
  }

  /** The object at `location` (as write returned it, from this store or another), at most `maxBytes` long. */
  async read(location: string, maxBytes: number): Promise<Buffer> {
    let bytes: Buffer;
    if (isS3Uri(location)) {
      bytes = await readS3Object(location, { maxBytes, timeoutMs: TIMEOUT_MS, what: 'embedding shard' }).catch((error) => {
        // Only a shard that is gone is final; a slow or failing store is retried like any outage.
        throw (error as UserInputError).code === 'NOT_FOUND' ? error : new Error((error as Error).message);
      });
    } else {
      if (!isAbsolute(location)) throw new UserInputError(`embedding shard ${location}: not an absolute path`);
      try {
        bytes = await readFile(location);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT')
          throw new UserInputError(`embedding shard ${location}: missing (was the vector store moved or emptied?)`, 'NOT_FOUND');
        throw new Error(`embedding shard ${location}: cannot read (${code ?? (error as Error).message})`);
      }
      if (bytes.length > maxBytes) throw new UserInputError(`embedding shard ${location}: larger than the expected ${maxBytes} bytes`);
    }
    this.stats.objectsRead++;
    this.stats.bytesRead += bytes.length;
    return bytes;
  }
}
