// Embeddings in PostgreSQL keyed by (model hash, preprocessing hash, image hash), stored as float16; writes are idempotent.
import type { PrismaClient } from '../generated/prisma/client.js';
import { decodeFloat16, encodeFloat16 } from './float16.js';

/** Keys per SELECT and rows per INSERT (a 2048-d vector is 4 KiB). */
const READ_CHUNK = 5000;
const WRITE_CHUNK = 1000;

export class EmbeddingCache {
  constructor(private readonly prisma: PrismaClient) {}

  /** The cached vectors among `imageHashes`, by image hash (misses are absent). */
  async get(modelHash: string, preprocessHash: string, imageHashes: string[]): Promise<Map<string, Float32Array>> {
    const unique = [...new Set(imageHashes)];
    const found = new Map<string, Float32Array>();
    for (let i = 0; i < unique.length; i += READ_CHUNK) {
      const rows = await this.prisma.embeddingCacheEntry.findMany({
        where: { modelHash, preprocessHash, imageHash: { in: unique.slice(i, i + READ_CHUNK) } },
        select: { imageHash: true, vector: true },
      });
      for (const row of rows) found.set(row.imageHash, decodeFloat16(row.vector));
    }
    return found;
  }

  /** Stores vectors as float16; an entry that exists already is left as it is. */
  async put(modelHash: string, preprocessHash: string, entries: { imageHash: string; vector: Float32Array }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += WRITE_CHUNK) {
      await this.prisma.embeddingCacheEntry.createMany({
        data: entries.slice(i, i + WRITE_CHUNK).map(({ imageHash, vector }) => ({
          modelHash,
          preprocessHash,
          imageHash,
          dim: vector.length,
          vector: encodeFloat16(vector),
        })),
        skipDuplicates: true,
      });
    }
  }
}
