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
const PRESENT = `SELECT "modelHash", "preprocessHash", "imageHash" FROM "EmbeddingCacheEntry"
  WHERE ("modelHash", "preprocessHash") IN (SELECT * FROM unnest($1::text[], $2::text[])) AND "imageHash" = ANY($3::text[])`;

/** Every row's vector is a slice of one bytea parameter: one hex conversion per statement, not one per vector. */
const INSERT = `INSERT INTO "EmbeddingCacheEntry" ("modelHash", "preprocessHash", "imageHash", dim, vector)
  SELECT model, prep, hash, dim, substring($6::bytea FROM start + 1 FOR dim * 2)
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[]) AS entry(model, prep, hash, dim, start)
  ON CONFLICT DO NOTHING`;

/** Vectors of one model already in the cache's form (float16, see float16.ts), back to back in `float16`. */
export interface EncodedVectors {
  modelHash: string;
  preprocessHash: string;
  imageHashes: string[];
  dim: number;
  float16: Uint8Array;
}

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

  /** For each model key, which of `imageHashes` it has a vector for (one query, no vector read). */
  async present(models: { modelHash: string; preprocessHash: string }[], imageHashes: string[]): Promise<Set<string>[]> {
    const found = new Map(models.map((m) => [`${m.modelHash}|${m.preprocessHash}`, new Set<string>()]));
    const unique = [...new Set(imageHashes)];
    for (let i = 0; i < unique.length && models.length > 0; i += READ_CHUNK) {
      const { rows } = await this.pool.query<{ modelHash: string; preprocessHash: string; imageHash: string }>(PRESENT, [
        models.map((m) => m.modelHash),
        models.map((m) => m.preprocessHash),
        unique.slice(i, i + READ_CHUNK),
      ]);
      for (const row of rows) found.get(`${row.modelHash}|${row.preprocessHash}`)?.add(row.imageHash);
    }
    return models.map((m) => found.get(`${m.modelHash}|${m.preprocessHash}`)!);
  }

  /** Stores vectors as float16; an entry that exists already is left as it is (also a key repeated within one call). */
  async put(modelHash: string, preprocessHash: string, entries: { imageHash: string; vector: Float32Array }[]): Promise<void> {
    await this.putEncoded(
      entries.map(({ imageHash, vector }) => ({
        modelHash,
        preprocessHash,
        imageHashes: [imageHash],
        dim: vector.length,
        float16: encodeFloat16(vector),
      })),
    );
  }

  /** Stores the vectors of several models, encoded already, in as few statements as the rows allow. */
  async putEncoded(groups: EncodedVectors[]): Promise<void> {
    const rows = groups.flatMap((group) =>
      group.imageHashes.map((imageHash, i) => ({
        group,
        imageHash,
        bytes: group.float16.subarray(i * group.dim * 2, (i + 1) * group.dim * 2),
      })),
    );
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      const chunk = rows.slice(i, i + WRITE_CHUNK);
      const starts: number[] = [];
      let offset = 0;
      for (const row of chunk) {
        starts.push(offset);
        offset += row.bytes.length;
      }
      await this.pool.query(INSERT, [
        chunk.map((r) => r.group.modelHash),
        chunk.map((r) => r.group.preprocessHash),
        chunk.map((r) => r.imageHash),
        chunk.map((r) => r.group.dim),
        starts,
        Buffer.concat(chunk.map((r) => r.bytes)),
      ]);
    }
  }
}
