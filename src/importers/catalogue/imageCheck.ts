// Checks that catalogue images can be read and decoded, several at once, under the platform's path and URL rules.
import sharp from 'sharp';
import { readImageBytes } from '../../imaging/imageSource.js';
import { createRng } from '../../metric/random.js';
import type { UnreadableImage } from './catalogueReport.js';

export interface ImageRef {
  line: number;
  item: string;
  uri: string;
}

/** Images read at once. */
const CONCURRENCY = 8;
/** Decoded to this size only: enough to prove the whole image decodes (JPEGs shrink on load). */
const PROBE_SIZE = 8;

/** Collects the images to check: every one, or a uniform random sample of `limit` (reservoir sampling, seeded). */
export class ImageSample {
  readonly refs: ImageRef[] = [];
  seen = 0;
  private readonly rng = createRng(1);

  constructor(private readonly limit: number | 'all') {}

  add(ref: ImageRef): void {
    this.seen++;
    if (this.limit === 'all' || this.refs.length < this.limit) this.refs.push(ref);
    else {
      const slot = this.rng.int(this.seen);
      if (slot < this.limit) this.refs[slot] = ref;
    }
  }
}

async function probe(ref: ImageRef, rootDir: string): Promise<string | null> {
  try {
    const bytes = await readImageBytes(ref.uri, rootDir);
    await sharp(bytes, { failOn: 'error' }).resize(PROBE_SIZE, PROBE_SIZE, { fit: 'fill' }).raw().toBuffer();
    return null;
  } catch (error) {
    const message = (error as Error).message;
    const prefix = `image ${ref.uri}: `;
    return message.startsWith(prefix) ? message.slice(prefix.length) : message;
  }
}

/** The images that cannot be read or decoded, in line order; onProgress after each image. */
export async function checkImages(
  refs: ImageRef[],
  rootDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<UnreadableImage[]> {
  const unreadable: UnreadableImage[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < refs.length) {
      const ref = refs[next++];
      const reason = await probe(ref, rootDir);
      if (reason !== null) unreadable.push({ ...ref, reason });
      onProgress?.(++done, refs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, refs.length) }, worker));
  return unreadable.sort((a, b) => a.line - b.line || a.uri.localeCompare(b.uri));
}
