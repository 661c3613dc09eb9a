// Moves vectors stored as PostgreSQL rows (before shards) into shards of the vector store, once, when a process opens the database.
import type pg from 'pg';
import type { EmbeddingCache } from './embeddingCache.js';

/** Vectors per shard written from the old rows. */
const ROWS_PER_SHARD = 4096;

/**
 * Copies every row of the old EmbeddingCacheEntry table into shards, each chunk recorded and deleted from the table
 * in one transaction (an interrupted move goes on where it stopped). Of several processes starting at once, one
 * moves and the others go on at once. Returns the vectors moved.
 */
export async function moveLegacyVectors(pool: pg.Pool, cache: EmbeddingCache, log: (line: string) => void): Promise<number> {
  const { rows: any } = await pool.query('SELECT 1 FROM "EmbeddingCacheEntry" LIMIT 1');
  if (any.length === 0) return 0;
  const client = await pool.connect();
  let moved = 0;
  let shards = 0;
  try {
    const { rows: locked } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('corrembed:legacy-vectors')) AS ok`);
    if (!locked[0].ok) return 0;
    try {
      for (;;) {
        const { rows } = await client.query<{ modelHash: string; preprocessHash: string; imageHash: string; dim: number; vector: Buffer }>(
          `WITH first AS (SELECT "modelHash", "preprocessHash", dim FROM "EmbeddingCacheEntry" LIMIT 1)
           SELECT e."modelHash", e."preprocessHash", e."imageHash", e.dim, e.vector FROM "EmbeddingCacheEntry" e JOIN first f
             ON e."modelHash" = f."modelHash" AND e."preprocessHash" = f."preprocessHash" AND e.dim = f.dim
           ORDER BY e."imageHash" LIMIT $1`,
          [ROWS_PER_SHARD],
        );
        if (rows.length === 0) break;
        const { modelHash, preprocessHash, dim } = rows[0];
        const intact = rows.filter((row) => row.vector.length === dim * 2);
        const shard =
          intact.length === 0
            ? undefined
            : await cache.writeShard({
                modelHash,
                preprocessHash,
                dim,
                imageHashes: intact.map((row) => row.imageHash),
                float16: Buffer.concat(intact.map((row) => row.vector)),
              });
        await client.query('BEGIN');
        try {
          if (shard) await cache.record([shard], (text, values) => client.query(text, values));
          await client.query(
            `DELETE FROM "EmbeddingCacheEntry" WHERE "modelHash" = $1 AND "preprocessHash" = $2 AND "imageHash" = ANY($3::text[])`,
            [modelHash, preprocessHash, rows.map((row) => row.imageHash)],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        moved += intact.length;
        shards += shard ? 1 : 0;
        if (intact.length < rows.length)
          log(`vectors: ${rows.length - intact.length} stored rows of model ${modelHash} were truncated; dropped`);
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('corrembed:legacy-vectors'))`);
    }
  } finally {
    client.release();
  }
  log(`vectors: moved ${moved} vectors from the database into ${shards} shards under ${cache.store.root}`);
  return moved;
}
