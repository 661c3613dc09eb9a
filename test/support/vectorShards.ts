// Test helpers for embedding shards: a cache over a temporary vector store, and counts of the vectors recorded.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { EmbeddingCache } from '../../src/embedding/embeddingCache.js';
import { npyFloat16Rows } from '../../src/io/npy.js';
import { VectorStore } from '../../src/storage/vectorStore.js';

/** An embedding cache whose shards go to a new temporary folder (or `root`). */
export function shardCache(pool: pg.Pool, root = mkdtempSync(join(tmpdir(), 'corrembed-vectors-'))): EmbeddingCache {
  return new EmbeddingCache(pool, new VectorStore(root));
}

/** Vectors recorded (of one model file, when given): `entries` counts an image hash once per shard holding it, `vectors` once per model key. */
export async function vectorCounts(pool: pg.Pool, modelHash?: string): Promise<{ vectors: number; entries: number; shards: number }> {
  const { rows } = await pool.query<{ vectors: number; entries: number; shards: number }>(
    `WITH s AS (SELECT * FROM "EmbeddingShard" WHERE $1::text IS NULL OR "modelHash" = $1)
     SELECT (SELECT count(*) FROM (SELECT DISTINCT "modelHash", "preprocessHash", unnest("imageHashes") FROM s) v)::int AS vectors,
            (SELECT COALESCE(SUM(cardinality("imageHashes")), 0) FROM s)::int AS entries,
            (SELECT count(*) FROM s)::int AS shards`,
    [modelHash ?? null],
  );
  return rows[0];
}

/** Forgets every recorded vector (the files stay, unreferenced), as an emptied cache. */
export async function forgetVectors(pool: pg.Pool): Promise<void> {
  await pool.query('DELETE FROM "EmbeddingShard"');
}

/**
 * Every recorded vector as text (model, recipe, image, dim, float16 bytes in hex), one per model key and image,
 * sorted: each shard file is read and checked against its record.
 */
export async function storedVectors(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ modelHash: string; preprocessHash: string; dim: number; imageHashes: string[]; location: string }>(
    `SELECT "modelHash", "preprocessHash", dim, "imageHashes", location FROM "EmbeddingShard"`,
  );
  const vectors = new Map<string, string>();
  for (const row of rows) {
    const file = npyFloat16Rows(await readFile(row.location), row.location);
    if (file.rows !== row.imageHashes.length || file.dim !== row.dim) throw new Error(`shard ${row.location} does not match its record`);
    row.imageHashes.forEach((hash, i) => {
      const key = `${row.modelHash} ${row.preprocessHash} ${hash} ${row.dim}`;
      const bytes = Buffer.from(file.float16.subarray(i * row.dim * 2, (i + 1) * row.dim * 2)).toString('hex');
      if (!vectors.has(key)) vectors.set(key, `${key} ${bytes}`);
    });
  }
  return [...vectors.values()].sort();
}
