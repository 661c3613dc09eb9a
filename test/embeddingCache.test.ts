// float16 conversion (exhaustive and against an independent nearest-value reference) and the PostgreSQL embedding cache.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from '../src/embedding/float16.js';
import { createRng } from '../src/metric/random.js';

let db: Database;
let cache: EmbeddingCache;
before(async () => {
  db = await createTestDatabase();
  cache = new EmbeddingCache(db.pool);
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
  assert.equal(await db.prisma.embeddingCacheEntry.count({ where: { modelHash: 'model-1' } }), 2);
  const row = await db.prisma.embeddingCacheEntry.findFirstOrThrow({ where: { imageHash: 'img-b' } });
  assert.equal(row.dim, 4);
  assert.equal(row.vector.length, 8);
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
});

test('large puts and gets are chunked: 12,000 vectors of 64 dimensions', async () => {
  const rng = createRng(3);
  const entries = Array.from({ length: 12_000 }, (_, i) => ({
    imageHash: `h${i}`,
    vector: Float32Array.from({ length: 64 }, () => rng.next() * 2 - 1),
  }));
  const started = performance.now();
  await cache.put('model-big', 'prep', entries);
  const putMs = performance.now() - started;
  const wanted = [...entries.map((e) => e.imageHash), ...Array.from({ length: 500 }, (_, i) => `absent${i}`)];
  const getStarted = performance.now();
  const got = await cache.get('model-big', 'prep', wanted);
  const getMs = performance.now() - getStarted;
  console.log(`# cache: put 12,000 x 64 in ${putMs.toFixed(0)} ms, get in ${getMs.toFixed(0)} ms`);
  assert.equal(got.size, 12_000);
  assert.deepEqual(got.get('h11999'), roundTripped(entries[11_999].vector));
  for (const [i, x] of got.get('h5')!.entries()) assert.ok(Math.abs(x - entries[5].vector[i]) <= 2 ** -11);
});
