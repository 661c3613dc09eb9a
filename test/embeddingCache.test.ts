// float16 conversion (exhaustive and against an independent nearest-value reference) and the embedding cache: .npy shards in a vector store, one row each.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { EmbeddingCache, shardKey } from '../src/embedding/embeddingCache.js';
import { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from '../src/embedding/float16.js';
import { moveLegacyVectors } from '../src/embedding/legacyVectors.js';
import { parseNpyMatrix } from '../src/io/npy.js';
import { createRng } from '../src/metric/random.js';
import { resetS3Client } from '../src/storage/s3Objects.js';
import { useS3Settings } from '../src/storage/storageSettings.js';
import { VectorStore } from '../src/storage/vectorStore.js';
import { startS3Host } from './support/s3Host.js';
import { shardCache, vectorCounts } from './support/vectorShards.js';

let db: Database;
let cache: EmbeddingCache;
before(async () => {
  db = await createTestDatabase();
  cache = shardCache(db.pool);
});
after(() => db.close());

const float32Of = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0];

test('every float16 value decodes exactly and encodes back to the same bits', () => {
  for (let h = 0; h < 0x10000; h++) {
    const value = float16BitsToFloat32(h);
    const nanBits = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (nanBits) {
      assert.ok(Number.isNaN(value));
      assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(value))));
      continue;
    }
    assert.equal(Math.fround(value), value, `0x${h.toString(16)} is a float32`);
    assert.equal(float32ToFloat16Bits(value), h, `0x${h.toString(16)} round trip`);
  }
});

test('float16 edge cases: subnormals, ties to even, overflow, infinities, signed zero', () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff], // largest finite
    [65519.996, 0x7bff],
    [65520, 0x7c00], // halfway to 65536 rounds to even: Infinity
    [1e10, 0x7c00],
    [-1e10, 0xfc00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [0, 0x0000],
    [-0, 0x8000],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to it: ties to even zero
    [Math.fround(2 ** -25 * 1.0000001), 0x0001],
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 ulps: even
    [5 * 2 ** -25, 0x0002], // halfway between 2 and 3 ulps: even
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [1023.5 * 2 ** -24, 0x0400], // rounds up into the smallest normal
    [2 ** -14, 0x0400],
    [1e-8, 0x0000],
    [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
    [1 + 2 ** -11 + 2 ** -20, 0x3c01],
  ];
  for (const [value, bits] of cases) assert.equal(float32ToFloat16Bits(value), bits, `${value}`);
  assert.ok(Object.is(float16BitsToFloat32(0x8000), -0));
  assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
  assert.equal(float16BitsToFloat32(0x7c00), Infinity);
  assert.equal(float16BitsToFloat32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
});

test('random float32 values round to the nearest float16 (ties to even), per an independent search', () => {
  // Every finite non-negative float16 value, increasing with its bit pattern.
  const halves = Array.from({ length: 0x7c00 }, (_, h) => float16BitsToFloat32(h));
  const reference = (x: number): number => {
    const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
    const a = Math.abs(x);
    if (a >= 65520) return sign | 0x7c00;
    let lo = 0;
    let hi = halves.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (halves[mid] <= a) lo = mid;
      else hi = mid;
    }
    const dLo = a - halves[lo];
    const dHi = halves[hi] - a;
    const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
    return sign | h;
  };
  const rng = createRng(11);
  for (let i = 0; i < 200_000; i++) {
    // exponents spread over the whole float16 range and a little beyond
    const exponent = 127 - 27 + rng.int(45);
    const bits = ((rng.int(2) << 31) | (exponent << 23) | rng.int(0x800000)) >>> 0;
    const x = float32Of(bits);
    assert.equal(float32ToFloat16Bits(x), reference(x), `0x${bits.toString(16)} (${x})`);
  }
  // exact midpoints between neighbouring float16 values
  for (let h = 0; h < 0x7bff; h++) {
    const mid = (halves[h] + halves[h + 1]) / 2; // 12 significant bits: exact in float32
    assert.equal(float32ToFloat16Bits(mid), reference(mid), `midpoint above 0x${h.toString(16)}`);
  }
});

test('vectors are stored as little-endian float16 bytes', () => {
  assert.deepEqual([...encodeFloat16(Float32Array.of(1, -2, 2 ** -24))], [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00]);
  assert.deepEqual(decodeFloat16(Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b)), Float32Array.of(1, -2, 65504));
  assert.throws(() => decodeFloat16(Uint8Array.of(1, 2, 3)), /odd length/);
});

const roundTripped = (v: Float32Array) => Float32Array.from(v, (x) => float16BitsToFloat32(float32ToFloat16Bits(x)));

test('put is idempotent: the first vector for a key stays, a second put of it changes nothing', async () => {
  const a = Float32Array.of(0.1, -0.25, 3.14159, 1e-6);
  await cache.put('model-1', 'prep-1', [{ imageHash: 'img-a', vector: a }]);
  await cache.put('model-1', 'prep-1', [
    { imageHash: 'img-a', vector: Float32Array.of(9, 9, 9, 9) },
    { imageHash: 'img-b', vector: Float32Array.of(1, 2, 3, 4) },
  ]);
  await cache.put('model-1', 'prep-1', [{ imageHash: 'img-a', vector: a }]);
  const got = await cache.get('model-1', 'prep-1', ['img-a', 'img-b']);
  assert.deepEqual(got.get('img-a'), roundTripped(a));
  assert.deepEqual(got.get('img-b'), Float32Array.of(1, 2, 3, 4));
  const { rows } = await db.pool.query(
    `SELECT dim, bytes, location, "imageHashes" FROM "EmbeddingShard" WHERE "modelHash" = 'model-1' ORDER BY "createdAt"`,
  );
  assert.deepEqual(
    rows.map((r) => r.imageHashes),
    [['img-a'], ['img-b']],
    'one shard per put that had something new',
  );
  // Each shard is a float16 .npy file other tools read; PostgreSQL holds no vector.
  const file = await readFile(rows[1].location);
  assert.equal(file.length, rows[1].bytes);
  const matrix = parseNpyMatrix(file, rows[1].location);
  assert.deepEqual([matrix.rows, matrix.dim, ...matrix.data], [1, 4, 1, 2, 3, 4]);
  assert.match(file.subarray(0, 128).toString('latin1'), /'descr': '<f2'/);
  assert.equal(await db.prisma.embeddingCacheEntry.count(), 0);
});

test('a shard of the same vectors gets the same key and location, and is recorded once', async () => {
  const vectors = {
    modelHash: 'model-k',
    preprocessHash: 'prep',
    dim: 2,
    imageHashes: ['p', 'q'],
    float16: encodeFloat16(Float32Array.of(1, 0, 0, 1)),
  };
  const first = await cache.writeShard(vectors);
  const again = await cache.writeShard(vectors);
  assert.equal(again.location, first.location);
  assert.equal(first.key, shardKey(vectors));
  assert.notEqual(shardKey({ ...vectors, imageHashes: ['q', 'p'] }), first.key, 'the key follows the images');
  await cache.record([first]);
  await cache.record([again, first]);
  assert.equal((await db.pool.query(`SELECT 1 FROM "EmbeddingShard" WHERE "modelHash" = 'model-k'`)).rowCount, 1);
});

test('get returns the hits of a mix of hits, misses and repeats, keyed by model and preprocessing', async () => {
  await cache.put('model-2', 'prep-1', [
    { imageHash: 'x', vector: Float32Array.of(1, 0) },
    { imageHash: 'y', vector: Float32Array.of(0, 1) },
  ]);
  const got = await cache.get('model-2', 'prep-1', ['x', 'missing', 'y', 'x', 'other']);
  assert.deepEqual([...got.keys()].sort(), ['x', 'y']);
  assert.deepEqual(got.get('y'), Float32Array.of(0, 1));
  assert.equal((await cache.get('model-2', 'prep-2', ['x', 'y'])).size, 0);
  assert.equal((await cache.get('model-3', 'prep-1', ['x'])).size, 0);
  assert.equal((await cache.get('model-2', 'prep-1', [])).size, 0);
  const rows = await cache.rows('model-2', 'prep-1', ['y', 'missing', 'x', 'y']);
  assert.deepEqual([...rows.rowOf], [0, -1, 1, 2], 'a hash listed twice gets two rows');
  assert.deepEqual([...rows.data], [0, 1, 1, 0, 0, 1]);
  const present = await cache.present(
    [
      { modelHash: 'model-2', preprocessHash: 'prep-1' },
      { modelHash: 'model-3', preprocessHash: 'prep-1' },
    ],
    ['x', 'nope'],
  );
  assert.deepEqual(
    present.map((set) => [...set]),
    [['x'], []],
  );
});

test('large gets read many shards in parallel: 12,000 vectors of 64 dimensions in 12 shards', async () => {
  const rng = createRng(3);
  const entries = Array.from({ length: 12_000 }, (_, i) => ({
    imageHash: `h${i}`,
    vector: Float32Array.from({ length: 64 }, () => rng.next() * 2 - 1),
  }));
  const started = performance.now();
  for (let i = 0; i < entries.length; i += 1000) await cache.put('model-big', 'prep', entries.slice(i, i + 1000));
  const putMs = performance.now() - started;
  const wanted = [...entries.map((e) => e.imageHash), ...Array.from({ length: 500 }, (_, i) => `absent${i}`)];
  const readBefore = cache.store.stats.objectsRead;
  const getStarted = performance.now();
  const got = await cache.get('model-big', 'prep', wanted);
  const getMs = performance.now() - getStarted;
  console.log(`# cache: put 12,000 x 64 in ${putMs.toFixed(0)} ms, get in ${getMs.toFixed(0)} ms`);
  assert.equal(got.size, 12_000);
  assert.equal(cache.store.stats.objectsRead - readBefore, 12, 'each shard read once');
  assert.deepEqual(got.get('h11999'), roundTripped(entries[11_999].vector));
  for (const [i, x] of got.get('h5')!.entries()) assert.ok(Math.abs(x - entries[5].vector[i]) <= 2 ** -11);
  // A few wanted images read only the shards that hold them.
  const few = cache.store.stats.objectsRead;
  assert.equal((await cache.get('model-big', 'prep', ['h3', 'h4', 'h2500'])).size, 3);
  assert.equal(cache.store.stats.objectsRead - few, 2);
});

test('a shard that is gone or does not match its record fails with an error naming it', async () => {
  await cache.put('model-gone', 'prep', [{ imageHash: 'g', vector: Float32Array.of(1, 2) }]);
  const { rows } = await db.pool.query(`SELECT location FROM "EmbeddingShard" WHERE "modelHash" = 'model-gone'`);
  const location: string = rows[0].location;
  const bytes = await readFile(location);
  await writeFile(location, Buffer.concat([bytes.subarray(0, bytes.length - 2)]));
  await assert.rejects(cache.get('model-gone', 'prep', ['g']), /does not match the file's size/);
  await rm(location);
  await assert.rejects(cache.get('model-gone', 'prep', ['g']), (error: Error & { code?: string }) => {
    assert.match(error.message, /embedding shard .*: missing/);
    assert.equal(error.code, 'NOT_FOUND');
    return true;
  });
});

test('shards in an S3 bucket: written by PutObject, read back, counted', async () => {
  const host = await startS3Host();
  useS3Settings({ region: 'us-east-1', endpoint: host.endpoint });
  resetS3Client();
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  try {
    const s3 = new EmbeddingCache(db.pool, new VectorStore('s3://vectors/team-a/'));
    await s3.put('model-s3', 'prep', [
      { imageHash: 'a', vector: Float32Array.of(0.5, -0.5) },
      { imageHash: 'b', vector: Float32Array.of(2, 4) },
    ]);
    const { rows } = await db.pool.query(`SELECT key, location FROM "EmbeddingShard" WHERE "modelHash" = 'model-s3'`);
    assert.equal(rows[0].location, `s3://vectors/team-a/${rows[0].key}`);
    assert.ok(host.get('vectors', `team-a/${rows[0].key}`), 'the object is in the bucket');
    // Any store reads a shard where its record says it lies.
    const got = await cache.get('model-s3', 'prep', ['a', 'b']);
    assert.deepEqual(got.get('b'), Float32Array.of(2, 4));
    assert.equal(host.traffic.bytesGot, host.traffic.bytesPut);
    host.fail('vectors', `team-a/${rows[0].key}`, 503, 'SlowDown');
    await assert.rejects(
      cache.get('model-s3', 'prep', ['a']),
      (error: Error) => error.name === 'Error' && /SlowDown|cannot fetch/.test(error.message),
    );
  } finally {
    useS3Settings({ region: 'us-east-1', endpoint: undefined });
    resetS3Client();
    await host.close();
  }
});

test('vectors stored as rows before shards are moved into shards once, and read the same', async () => {
  const vector = encodeFloat16(Float32Array.of(0.25, -1, 0.5));
  await db.pool.query(
    `INSERT INTO "EmbeddingCacheEntry" ("modelHash", "preprocessHash", "imageHash", dim, vector)
     SELECT 'model-old', 'prep', 'old-' || i, 3, $1 FROM generate_series(1, 5000) AS i`,
    [Buffer.from(vector)],
  );
  const lines: string[] = [];
  assert.equal(await moveLegacyVectors(db.pool, cache, (line) => lines.push(line)), 5000);
  assert.equal(await db.prisma.embeddingCacheEntry.count(), 0);
  assert.match(lines.join('\n'), /moved 5000 vectors from the database into 2 shards/);
  const got = await cache.get('model-old', 'prep', ['old-1', 'old-4999']);
  assert.deepEqual(got.get('old-4999'), Float32Array.of(0.25, -1, 0.5));
  assert.equal(await moveLegacyVectors(db.pool, cache, () => undefined), 0, 'nothing left to move');
  const counts = await vectorCounts(db.pool);
  assert.ok(counts.vectors >= 5000);
});
