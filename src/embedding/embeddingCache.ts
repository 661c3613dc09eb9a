// Embeddings keyed by (model hash, preprocessing hash, image hash): float16 .npy shards in the vector store, one PostgreSQL row per shard.
//
// A shard is written once by whoever computed it (an embed worker, a function) and recorded by one row naming the
// image hashes it holds and where it lies; the row is written with the batch's completion (see runs/batchStore.ts),
// so PostgreSQL carries no vector. Shards are immutable and their keys derive from their contents' keys: a retried
// batch writes the same key, and a second row for it is ignored.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { encodeNpyFloat16, npyFloat16Rows } from '../io/npy.js';
import { Semaphore } from '../semaphore.js';
import type { VectorStore } from '../storage/vectorStore.js';
import { decodeFloat16Into, encodeFloat16 } from './float16.js';

/** Shards read at once. */
const READ_PARALLEL = 16;
/** A shard's .npy header is at most this long. */
const HEADER_BYTES = 4096;

/** Vectors of one model already in the cache's form (float16, see float16.ts), back to back in `float16`. */
export interface EncodedVectors {
  modelHash: string;
  preprocessHash: string;
  imageHashes: string[];
  dim: number;
  float16: Uint8Array;
}

/** A written shard, as its row records it. */
export interface ShardRecord {
  key: string;
  location: string;
  modelHash: string;
  preprocessHash: string;
  dim: number;
  bytes: number;
  /** In the file's row order. */
  imageHashes: string[];
}

/** What runs SQL: the pg pool, or a transaction's client. */
export type SqlRunner = (text: string, values: unknown[]) => Promise<unknown>;

/**
 * A model key's shard rows. Which of them hold the wanted hashes is worked out here, not in SQL: a join of each
 * shard's hashes against hundreds of thousands of wanted ones is planned as a nested loop whenever the table's
 * statistics lag behind its rows, which took minutes at 200,000 images.
 */
const SHARDS = `SELECT key, location, dim, bytes, "imageHashes" FROM "EmbeddingShard" WHERE "modelHash" = $1 AND "preprocessHash" = $2`;

/**
 * A CTE (`recorded`) that records shards, its parameters numbered from $`first`: statements that record shards with
 * other work (a batch's completion) include it, so one commit does both. Each shard's hashes travel as one
 * comma-separated text (hex hashes hold no comma).
 */
export function recordShardsClause(shards: ShardRecord[], first: number): { sql: string; values: unknown[] } {
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `recorded AS (
      INSERT INTO "EmbeddingShard" (key, "modelHash", "preprocessHash", dim, "imageHashes", location, bytes)
      SELECT k, m, p, d, string_to_array(h, ','), l, n
      FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::int[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::int[])
        AS s(k, m, p, d, h, l, n)
      ON CONFLICT (key) DO NOTHING
      RETURNING 1)`,
    values: [
      shards.map((s) => s.key),
      shards.map((s) => s.modelHash),
      shards.map((s) => s.preprocessHash),
      shards.map((s) => s.dim),
      shards.map((s) => s.imageHashes.join(',')),
      shards.map((s) => s.location),
      shards.map((s) => s.bytes),
    ],
  };
}

/** The key a shard of these vectors is stored under: the same vectors of the same images always get the same key. */
export function shardKey(vectors: Omit<EncodedVectors, 'float16'>): string {
  const digest = createHash('sha256')
    .update(`${vectors.modelHash}\n${vectors.preprocessHash}\n${vectors.dim}\n${vectors.imageHashes.join(',')}`)
    .digest('hex');
  return `${vectors.modelHash.slice(0, 16)}-${vectors.preprocessHash.slice(0, 8)}/${digest.slice(0, 2)}/${digest}.npy`;
}

interface ShardRow {
  key: string;
  location: string;
  dim: number;
  bytes: number;
  imageHashes: string[];
}

/** Vectors of a list of image hashes: `rowOf[i]` is the row of the i-th hash in `data` (rows * dim), -1 when it has none. */
export interface VectorRows {
  dim: number;
  rows: number;
  rowOf: Int32Array;
  data: Float32Array;
}

export class EmbeddingCache {
  /** `pool`: the pg pool under the platform's Prisma client (Database.pool); `store`: where shards are written and read. */
  constructor(
    private readonly pool: pg.Pool,
    readonly store: VectorStore,
  ) {}

  /** Writes one model's vectors as a shard (nothing recorded yet: see record and recordShardsClause). */
  async writeShard(vectors: EncodedVectors): Promise<ShardRecord> {
    const { modelHash, preprocessHash, imageHashes, dim } = vectors;
    const key = shardKey(vectors);
    const file = encodeNpyFloat16(vectors.float16, imageHashes.length, dim);
    const location = await this.store.write(key, file);
    return { key, location, modelHash, preprocessHash, dim, bytes: file.length, imageHashes };
  }

  /** Records written shards (a shard recorded already is left as it is), with `run` or the pool. */
  async record(shards: ShardRecord[], run?: SqlRunner): Promise<void> {
    if (shards.length === 0) return;
    const { sql, values } = recordShardsClause(shards, 1);
    await (run ?? ((text, params) => this.pool.query(text, params)))(`WITH ${sql} SELECT count(*) FROM recorded`, values);
  }

  /** Stores vectors of several models, encoded already: a shard each, recorded in one statement. */
  async putEncoded(groups: EncodedVectors[]): Promise<ShardRecord[]> {
    const shards = await Promise.all(groups.filter((g) => g.imageHashes.length > 0).map((g) => this.writeShard(g)));
    await this.record(shards);
    return shards;
  }

  /** Stores vectors as float16 (one shard); an image that has a vector already keeps it (also one repeated within the call). */
  async put(modelHash: string, preprocessHash: string, entries: { imageHash: string; vector: Float32Array }[]): Promise<void> {
    const [present] = await this.present(
      [{ modelHash, preprocessHash }],
      entries.map((e) => e.imageHash),
    );
    const fresh = entries.filter((e) => !present.has(e.imageHash) && (present.add(e.imageHash), true));
    if (fresh.length === 0) return;
    const dim = fresh[0].vector.length;
    const float16 = new Uint8Array(fresh.length * dim * 2);
    fresh.forEach(({ vector }, i) => float16.set(encodeFloat16(vector), i * dim * 2));
    await this.putEncoded([{ modelHash, preprocessHash, imageHashes: fresh.map((e) => e.imageHash), dim, float16 }]);
  }

  /** For each model key, which of `imageHashes` it has a vector for (its shards' rows, no shard read). */
  async present(models: { modelHash: string; preprocessHash: string }[], imageHashes: string[]): Promise<Set<string>[]> {
    const wanted = new Set(imageHashes);
    return Promise.all(
      models.map(async ({ modelHash, preprocessHash }) => {
        const found = new Set<string>();
        if (wanted.size === 0) return found;
        for (const shard of await this.shards(modelHash, preprocessHash))
          for (const hash of shard.imageHashes) if (wanted.has(hash)) found.add(hash);
        return found;
      }),
    );
  }

  /** How many shards the model key has: shards are only ever added, so a change means more vectors. */
  async shardCount(modelHash: string, preprocessHash: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "EmbeddingShard" WHERE "modelHash" = $1 AND "preprocessHash" = $2',
      [modelHash, preprocessHash],
    );
    return rows[0].n;
  }

  /** The cached vectors among `imageHashes`, by image hash (misses are absent). */
  async get(modelHash: string, preprocessHash: string, imageHashes: string[]): Promise<Map<string, Float32Array>> {
    const unique = [...new Set(imageHashes)];
    const { dim, rowOf, data } = await this.rows(modelHash, preprocessHash, unique);
    const found = new Map<string, Float32Array>();
    unique.forEach((hash, i) => {
      if (rowOf[i] >= 0) found.set(hash, data.slice(rowOf[i] * dim, (rowOf[i] + 1) * dim));
    });
    return found;
  }

  /**
   * The vectors of `imageHashes` as one matrix, a row per hash that has one, in their order (a hash listed twice gets
   * two rows). Reads each shard it needs once, READ_PARALLEL at a time, and no vector from PostgreSQL.
   */
  async rows(modelHash: string, preprocessHash: string, imageHashes: string[]): Promise<VectorRows> {
    const rowOf = new Int32Array(imageHashes.length).fill(-1);
    const wanted = new Map<string, number[]>();
    imageHashes.forEach((hash, i) => {
      const positions = wanted.get(hash);
      if (positions) positions.push(i);
      else wanted.set(hash, [i]);
    });
    const shards = wanted.size === 0 ? [] : await this.shards(modelHash, preprocessHash);
    // Fewest shards first: the one holding most of what is still wanted is read first; a hash is read from one shard.
    const plan: { shard: ShardRow; picks: [number, string][] }[] = [];
    const open = new Set(wanted.keys());
    const byCover = shards
      .map((shard) => ({ shard, cover: shard.imageHashes.filter((h) => wanted.has(h)).length }))
      .sort((a, b) => b.cover - a.cover);
    for (const { shard } of byCover) {
      const picks: [number, string][] = [];
      shard.imageHashes.forEach((hash, row) => {
        if (open.delete(hash)) picks.push([row, hash]);
      });
      if (picks.length > 0) plan.push({ shard, picks });
    }
    const dims = new Set(plan.map((p) => p.shard.dim));
    if (dims.size > 1) throw new Error(`embedding shards of model ${modelHash} disagree on the dimension (${[...dims].join(', ')})`);
    const dim = plan[0]?.shard.dim ?? 0;
    let rows = 0;
    imageHashes.forEach((hash, i) => {
      if (!open.has(hash) && wanted.has(hash)) rowOf[i] = rows++;
    });
    const data = new Float32Array(rows * dim);
    const gate = new Semaphore(READ_PARALLEL);
    await Promise.all(
      plan.map(async ({ shard, picks }) => {
        await gate.acquire();
        try {
          const file = npyFloat16Rows(await this.store.read(shard.location, shard.bytes + HEADER_BYTES), shard.location);
          if (file.dim !== shard.dim || file.rows !== shard.imageHashes.length)
            throw new Error(
              `embedding shard ${shard.location}: holds ${file.rows} x ${file.dim}, its record says ${shard.imageHashes.length} x ${shard.dim}`,
            );
          for (const [row, hash] of picks) {
            const source = file.float16.subarray(row * dim * 2, (row + 1) * dim * 2);
            for (const i of wanted.get(hash)!) decodeFloat16Into(source, data, rowOf[i] * dim);
          }
        } finally {
          gate.release();
        }
      }),
    );
    return { dim, rows, rowOf, data };
  }

  private async shards(modelHash: string, preprocessHash: string): Promise<ShardRow[]> {
    const { rows } = await this.pool.query<ShardRow>(SHARDS, [modelHash, preprocessHash]);
    return rows;
  }
}
