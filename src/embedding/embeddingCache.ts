// Embeddings in PostgreSQL keyed by (model hash, preprocessing hash, image hash), stored as float16; writes are idempotent.
//
// Reads and writes go straight through the pg pool under Prisma, one statement per chunk (= ANY / unnest): through
// Prisma's client the same work cost 6 times the CPU (`npm run bench -- cache`: 5,000 vectors of 1,280 dimensions read
// in 736 ms of CPU against 126, 32 written in 7.2 ms against 1.2), which the main thread pays for every embed batch and
// every score. The table itself is Prisma's (model EmbeddingCacheEntry, created by the migrations).
import type pg from 'pg';
import { decodeFloat16, encodeFloat16 } from './float16.js';

/** Keys per SELECT and rows per INSERT (a 2048-d vector is 4 KiB). */
const READ_CHUNK = 5000;
const WRITE_CHUNK = 1000;

const SELECT = `SELECT "imageHash", vector FROM "EmbeddingCacheEntry"
  WHERE "modelHash" = $1 AND "preprocessHash" = $2 AND "imageHash" = ANY($3::text[])`;
const INSERT = `INSERT INTO "EmbeddingCacheEntry" ("modelHash", "preprocessHash", "imageHash", dim, vector)
  SELECT $1, $2, hash, dim, vector FROM unnest($3::text[], $4::int[], $5::bytea[]) AS entry(hash, dim, vector)
  ON CONFLICT DO NOTHING`;

export class EmbeddingCache {
  /** `pool`: the pg pool under the platform's Prisma client (Database.pool). */
  constructor(private readonly pool: pg.Pool) {}

  /** The cached vectors among `imageHashes`, by image hash (misses are absent). */
  async get(modelHash: string, preprocessHash: string, imageHashes: string[]): Promise<Map<string, Float32Array>> {
    const unique = [...new Set(imageHashes)];
    const found = new Map<string, Float32Array>();
    for (let i = 0; i < unique.length; i += READ_CHUNK) {
      const { rows } = await this.pool.query<{ imageHash: string; vector: Buffer }>(SELECT, [
        modelHash,
        preprocessHash,
        unique.slice(i, i + READ_CHUNK),
      ]);
      for (const row of rows) found.set(row.imageHash, decodeFloat16(row.vector));
    }
    return found;
  }

  /** Stores vectors as float16; an entry that exists already is left as it is (also a key repeated within one call). */
  async put(modelHash: string, preprocessHash: string, entries: { imageHash: string; vector: Float32Array }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += WRITE_CHUNK) {
      const chunk = entries.slice(i, i + WRITE_CHUNK);
      const vectors = chunk.map(({ vector }) => {
        const bytes = encodeFloat16(vector);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      });
      await this.pool.query(INSERT, [modelHash, preprocessHash, chunk.map((e) => e.imageHash), chunk.map((e) => e.vector.length), vectors]);
    }
  }
}
