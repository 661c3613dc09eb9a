// The native OpenBLAS kernel (when built) gives onnxruntime's products to float rounding, and scoring falls back to onnxruntime without it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { blasKernel } from '../src/linalg/blasSimilarityKernel.js';
import { loadBlasGemm, nativeBlasSettings, useNativeBlas } from '../src/linalg/nativeAddon.js';
import { openSimilarityKernelFactory, similarityKernelName } from '../src/linalg/kernelChoice.js';
import { createGemmSession, kernelOnSession } from '../src/linalg/ortSimilarityKernel.js';
import { largeFloatArray } from '../src/linalg/hugePages.js';
import type { FloatArray } from '../src/linalg/similarityKernel.js';

// dim >= 32, blocks of several query row groups (3 threads get 2 slices) and short blocks at odd positions, where
// OpenBLAS would round differently without the addon's row placement.
const ROWS = 4160;
const DIM = 64;
const COUNT = 149;
const FEW_ROWS = 301;

function randomMatrix(double: boolean, length: number, seed: number, shared = false): FloatArray {
  const m = shared ? largeFloatArray(double, length, true) : double ? new Float64Array(length) : new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    m[i] = s / 1073741824 - 1;
  }
  return m;
}

async function ortProducts(queries: FloatArray, targets: FloatArray, count: number): Promise<FloatArray> {
  const kernel = kernelOnSession(await createGemmSession(DIM, targets instanceof Float64Array, 1), targets, ROWS, DIM);
  try {
    return (await kernel.multiply(queries, count)).slice();
  } finally {
    await kernel.close();
  }
}

/** Largest |a - b| relative to the largest |b| of the same query row (products of random rows cancel, so not per element). */
function maxRelativeError(a: FloatArray, b: FloatArray, cols: number): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let r = 0; r < a.length / cols; r++) {
    let scale = 0;
    for (let c = 0; c < cols; c++) scale = Math.max(scale, Math.abs(b[r * cols + c]));
    for (let c = 0; c < cols; c++) worst = Math.max(worst, Math.abs(a[r * cols + c] - b[r * cols + c]) / scale);
  }
  return worst;
}

const { gemm } = loadBlasGemm();
const native = { skip: gemm ? false : `native addon not built: ${similarityKernelName()}` };

for (const double of [false, true]) {
  const label = double ? 'float64' : 'float32';
  test(`native OpenBLAS kernel matches onnxruntime's ${label} products (shared targets, 1 and 3 threads)`, native, async () => {
    const targets = randomMatrix(double, ROWS * DIM, 1, true);
    const queries = randomMatrix(double, COUNT * DIM, 2);
    const expected = await ortProducts(queries, targets, COUNT);
    const one = await blasKernel(gemm!, targets, ROWS, DIM, 1).multiply(queries, COUNT);
    assert.equal(one.constructor, expected.constructor);
    assert.ok(maxRelativeError(one, expected, ROWS) < (double ? 1e-12 : 1e-5));
    const three = await blasKernel(gemm!, targets, ROWS, DIM, 3).multiply(queries, COUNT);
    assert.deepEqual(three, one, 'splitting the queries over threads must not change a bit');
  });
}

for (const rows of [ROWS, FEW_ROWS]) {
  test(
    `native kernel over ${rows} targets: a query's products do not depend on its block, and a result outlives the next multiply`,
    native,
    async () => {
      const targets = randomMatrix(false, rows * DIM, 3);
      const queries = randomMatrix(false, COUNT * DIM, 4);
      const kernel = blasKernel(gemm!, targets, rows, DIM, 2);
      const whole = await kernel.multiply(queries, COUNT);
      const copy = whole.slice();
      for (const [first, count] of [
        [5, 11],
        [36, 1],
        [2, 3],
        [13, 100],
        [48, 96],
        [148, 1],
      ]) {
        const part = await kernel.multiply(queries.subarray(first * DIM), count, first);
        assert.deepEqual(part, copy.subarray(first * rows, (first + count) * rows), `rows ${first}..${first + count - 1}`);
        if (first === 5) assert.deepEqual(whole, copy, 'the first result outlives the next multiply');
      }
    },
  );
}

test('native addon refuses arrays that are too short or of mixed precision', native, () => {
  const targets = new Float32Array(ROWS * DIM);
  assert.throws(() => gemm!.multiply(new Float32Array(DIM), 2, targets, ROWS, DIM, new Float32Array(2 * ROWS), 1, 0), TypeError);
  assert.throws(() => gemm!.multiply(new Float64Array(DIM), 1, targets, ROWS, DIM, new Float32Array(ROWS), 1, 0), TypeError);
  assert.throws(() => gemm!.multiply(new Float32Array(DIM), 1, targets, ROWS, DIM, new Float32Array(ROWS), 0, 0), TypeError);
  assert.throws(() => gemm!.multiply(new Float32Array(DIM), 1, targets, ROWS, DIM, new Float32Array(ROWS), 1, -1), TypeError);
});

test('CORREMBED_NATIVE_BLAS=false falls back to onnxruntime with the same products', async () => {
  const saved = nativeBlasSettings();
  useNativeBlas({ ...saved, allowed: false });
  try {
    assert.match(similarityKernelName(), /^onnxruntime-node/);
    const targets = randomMatrix(false, ROWS * DIM, 5);
    const queries = randomMatrix(false, COUNT * DIM, 6);
    const factory = await openSimilarityKernelFactory(DIM, false, 1);
    const first = await factory(targets, ROWS, DIM);
    const second = await factory(targets, ROWS, DIM);
    const products = await first.multiply(queries, COUNT);
    assert.deepEqual(products, await ortProducts(queries, targets, COUNT));
    assert.deepEqual(await second.multiply(queries, COUNT), products);
    await Promise.all([first.close(), second.close()]);
  } finally {
    useNativeBlas(saved);
  }
});

test('the kernel in use is named, and the default factory multiplies', async () => {
  assert.match(
    similarityKernelName(),
    gemm && loadConfig().native.blas.allowed ? /^native OpenBLAS: OpenBLAS / : /^onnxruntime-node \(MLAS\)/,
  );
  const targets = randomMatrix(false, ROWS * DIM, 7);
  const queries = randomMatrix(false, COUNT * DIM, 8);
  const kernel = await (await openSimilarityKernelFactory(DIM, false))(targets, ROWS, DIM);
  assert.ok(maxRelativeError(await kernel.multiply(queries, COUNT), await ortProducts(queries, targets, COUNT), ROWS) < 1e-5);
  await kernel.close();
});
