// The PCA behind the projection query, on synthetic data with known principal directions, in a worker too, and the byte-bounded LRU.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ByteLru } from '../src/gallery/byteLru.js';
import { fitLayout, layout } from '../src/gallery/mapLayout.js';
import { principalComponents } from '../src/gallery/pca.js';
import { createRng } from '../src/metric/random.js';

function pearson(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0,
    aa = 0,
    bb = 0;
  a.forEach((x, i) => {
    ab += (x - ma) * (b[i] - mb);
    aa += (x - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** rows = 5 + 3 a u + 1 b v + noise: u (largest loading +0.8 at dimension 3) and v orthogonal unit vectors. */
function synthetic(rows: number, dim: number, seed: number) {
  const rng = createRng(seed);
  const u = new Float64Array(dim);
  const v = new Float64Array(dim);
  [u[3], u[10], u[20]] = [0.8, -0.6, 0];
  [v[5], v[7]] = [-Math.SQRT1_2, -Math.SQRT1_2];
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const a = Array.from({ length: rows }, gauss);
  const b = Array.from({ length: rows }, gauss);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) data[i * dim + k] = 5 + 3 * a[i] * u[k] + b[i] * v[k] + 0.05 * gauss();
  return { data, a, b };
}

describe('principalComponents', () => {
  test('finds the dominant directions, with signs fixed by the largest loading', () => {
    const rows = 400;
    const dim = 64;
    const { data, a, b } = synthetic(rows, dim, 1);
    const pca = principalComponents(data, rows, dim);
    assert.equal(pca.axes, 2);
    const x = Array.from({ length: rows }, (_, i) => pca.coordinates[i * 2]);
    const y = Array.from({ length: rows }, (_, i) => pca.coordinates[i * 2 + 1]);
    // Axis 1 is u (largest loading +0.8): x grows with a. Axis 2 is v, whose largest loadings are negative: y falls with b.
    assert.ok(pearson(x, a) > 0.999, `x ~ a: ${pearson(x, a)}`);
    assert.ok(pearson(y, b) < -0.99, `y ~ -b: ${pearson(y, b)}`);
    // Variances 9, 1 and 64 x 0.0025 of noise.
    const total = 9 + 1 + dim * 0.0025;
    assert.ok(Math.abs(pca.explainedVariance[0] - 9 / total) < 0.05, `${pca.explainedVariance}`);
    assert.ok(Math.abs(pca.explainedVariance[1] - 1 / total) < 0.02, `${pca.explainedVariance}`);
    // Centred in float32: the means are 0 up to float32 rounding of values near 5.
    for (const coordinates of [x, y]) assert.ok(Math.abs(coordinates.reduce((s, c) => s + c, 0) / rows) < 1e-5, 'centred');
  });

  test('deterministic: the same input gives the same output; another seed the same axes', () => {
    const { data } = synthetic(300, 40, 2);
    const once = principalComponents(data, 300, 40);
    assert.deepEqual(principalComponents(data, 300, 40), once);
    const other = principalComponents(data, 300, 40, { seed: 99 });
    once.coordinates.forEach((c, i) => assert.ok(Math.abs(c - other.coordinates[i]) < 1e-6, `coordinate ${i}`));
  });

  test('degenerate input: one row, identical rows, fewer dimensions than axes', () => {
    const single = principalComponents(Float32Array.from([1, 2, 3]), 1, 3);
    assert.equal(single.axes, 1);
    assert.deepEqual([...single.coordinates], [0]);
    assert.deepEqual(single.explainedVariance, [0]);
    const same = principalComponents(Float32Array.from([1, 2, 1, 2, 1, 2]), 3, 2);
    assert.deepEqual([...same.coordinates], [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(same.explainedVariance, [0, 0]);
    const line = principalComponents(Float32Array.from([1, 2, 3, 4]), 4, 1);
    assert.equal(line.axes, 1);
    assert.deepEqual([...line.coordinates], [-1.5, -0.5, 0.5, 1.5]);
    assert.deepEqual(line.explainedVariance, [1]);
  });
});

describe('ByteLru', () => {
  test('evicts the least recently used to stay within its bytes; refuses what can never fit', () => {
    const lru = new ByteLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    assert.equal(lru.get('a'), 'A'); // a is now the most recent
    lru.set('c', 'C', 4);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 'A');
    assert.equal(lru.bytes, 8);
    lru.set('huge', 'H', 11);
    assert.equal(lru.get('huge'), undefined);
    lru.set('a', 'A2', 2);
    assert.equal(lru.bytes, 6);
    lru.deletePrefix('a');
    assert.equal(lru.get('a'), undefined);
    assert.equal(lru.bytes, 4);
  });
});

test('a large PCA runs in a worker thread with the same answer as on the calling thread', async () => {
  const [rows, dim] = [20_000, 128]; // over the inline bound of 2,000,000 values
  const rng = createRng(3);
  const sample = Float32Array.from({ length: rows * dim }, (_, i) => rng.next() + (i % dim === Math.floor(i / dim) % 7 ? 2 : 0));
  const inline = fitLayout({ method: 'pca', sample: sample.slice(), rows, dim });
  const placed = await layout({ method: 'pca', sample, rows, dim });
  assert.equal(sample.length, 0, 'the sample moved to the worker');
  assert.deepEqual(placed.explainedVariance, inline.explainedVariance);
  assert.deepEqual([...placed.coordinates], [...inline.coordinates]);
});
