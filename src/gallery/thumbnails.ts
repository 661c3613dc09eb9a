// Image previews as webp data: URLs, read through the confined image sources and kept in memory (LRU, bounded in bytes).
import sharp from 'sharp';
import { readImageBytes } from '../imaging/imageSource.js';
import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess.js';
import { Semaphore } from '../semaphore.js';
import { ByteLru } from './byteLru.js';
import type { GalleryImage } from './imageCatalog.js';

export const MIN_THUMBNAIL = 16;
export const MAX_THUMBNAIL = 256;
/** Default memory for every cached preview together. */
export const DEFAULT_THUMBNAIL_BYTES = 32 * 1024 * 1024;
/** Previews read and rendered at once: a page of a thousand asks for no more than this many files or fetches together. */
const CONCURRENCY = 8;

export class Thumbnails {
  private readonly previews: ByteLru<string>;
  private readonly slots = new Semaphore(CONCURRENCY);

  constructor(maxBytes = DEFAULT_THUMBNAIL_BYTES) {
    this.previews = new ByteLru(maxBytes);
  }

  /**
   * A data: URL (image/webp) of the image at most `size` pixels on its longer side (never enlarged); null when the
   * image cannot be read or decoded (outside the manifest's folder, a URL the guard refuses, over the pixel limit...).
   */
  async get(image: GalleryImage, size: number): Promise<string | null> {
    const key = `${image.contentHash ?? `${image.rootDir}\0${image.uri}`}\0${size}`;
    const hit = this.previews.get(key);
    if (hit !== undefined) return hit;
    let preview: string;
    await this.slots.acquire();
    try {
      const bytes = await readImageBytes(image.uri, image.rootDir);
      const webp = await sharp(bytes, { limitInputPixels: DEFAULT_MAX_PIXELS, failOn: 'error', pages: 1 })
        .rotate()
        .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      preview = `data:image/webp;base64,${webp.toString('base64')}`;
    } catch {
      return null;
    } finally {
      this.slots.release();
    }
    this.previews.set(key, preview, preview.length);
    return preview;
  }
}
