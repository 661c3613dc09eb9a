// The native addon's helpers: OpenBLAS loaded with the CPU's own kernels, huge-page advice, vector Pearson sums, the tag side.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adviseHugePages, largeFloatArray } from '../src/linalg/hugePages.js';
import { loadBlasGemm } from '../src/linalg/nativeAddon.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { prepareDataset } from '../src/metric/prepared.js';
import { nativePearsonSums, roundedPearsonSums, type YSums } from '../src/metric/queryCorrelation.js';
import { TagSimilarity } from '../src/metric/tagSimilarity.js';
import { syntheticDataset } from './support/fixtures.js';

const { gemm, error } = loadBlasGemm();
const native = { skip: gemm ? false : `native addon not built: ${error}` };
const KERNEL_CHOICE = fileURLToPath(new URL('../src/linalg/kernelChoice.js', import.meta.url));

const APPLY_CONFIG = fileURLToPath(new URL('../src/config/applyConfig.js', import.meta.url));

/** The kernel name and the OPENBLAS_CORETYPE a fresh process sees after configuring itself from `env` (the addon loads then). */
function loadIn(env: Record<string, string | undefined>): { kernel: string; coreType: string } {
  const script = `const c = await import(${JSON.stringify(APPLY_CONFIG)}); const m = await import(${JSON.stringify(KERNEL_CHOICE)});
    const untouched = String(process.env.OPENBLAS_CORETYPE); c.configureProcess();
    if (String(process.env.OPENBLAS_CORETYPE) !== untouched) throw new Error('process.env changed');
    console.log(JSON.stringify({ kernel: m.similarityKernelName(), coreType: String(process.env.OPENBLAS_CORETYPE) }))`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'CORREMBED_OPENBLAS_CORETYPE']) delete childEnv[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: childEnv, encoding: 'utf8' })) as {
    kernel: string;
    coreType: string;
  };
}

test(
  "OpenBLAS loads with the CPU's own kernels unless CORREMBED_OPENBLAS_CORETYPE says otherwise; the caller's environment is kept",
  native,
  () => {
    const own = loadIn({}).kernel;
    const inherited = loadIn({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512' });
    assert.equal(inherited.kernel, own, 'an inherited OPENBLAS_CORETYPE is set aside by default');
    assert.equal(inherited.coreType, 'Haswell', 'and put back once OpenBLAS has loaded');
    assert.match(loadIn({ OPENBLAS_CORETYPE: 'Haswell', CORREMBED_OPENBLAS_CORETYPE: 'inherit' }).kernel, /\(core Haswell\)$/);
    assert.match(loadIn({ CORREMBED_OPENBLAS_CORETYPE: 'Haswell' }).kernel, /\(core Haswell\)$/);
    // A malformed core name is refused with the rest of the configuration, before the addon loads.
    assert.throws(
      () => loadIn({ CORREMBED_OPENBLAS_CORETYPE: 'no such core!' }),
      /CORREMBED_OPENBLAS_CORETYPE must be auto, inherit or an OpenBLAS core name/,
    );
  },
);

test('large arrays are advised onto huge pages; small ones are left alone', native, () => {
  const big = largeFloatArray(false, 2 ** 21, true);
  assert.ok(big instanceof Float32Array && big.buffer instanceof SharedArrayBuffer && big.length === 2 ** 21);
  assert.ok(big.every((v) => v === 0));
  assert.equal(largeFloatArray(true, 10).constructor, Float64Array);
  assert.equal(adviseHugePages(new Float32Array(16)), false);
  assert.throws(() => gemm!.hugePages({} as Float32Array), TypeError);
});

test(
  "native Pearson sums give the TypeScript loop's sums (y exactly, x * y to rounding) for every skip, precision and rounding",
  native,
  () => {
    const fast = nativePearsonSums()!;
    const n = 1001;
    const x = Float64Array.from({ length: n }, (_, o) => Math.abs(Math.sin(o * 12.9898)) * (o % 7 === 0 ? 0 : 1));
    const values = Array.from({ length: n }, (_, o) => Math.sin(o * 78.233) * 0.99);
    // Exact ties of the rounding: halves at 4 decimals must go to even the same way on both sides.
    values[3] = 0.00125;
    values[4] = -0.00135;
    for (const similarities of [Float32Array.from(values), Float64Array.from(values)]) {
      for (const rounded of [true, false]) {
        for (const skip of [-1, 0, 500, n - 1]) {
          const out = new Float64Array(3);
          const expected: YSums = { sy: 0, syy: 0, sxy: 0 };
          fast(similarities, 1e4 * 1.25, rounded, x, skip, out);
          roundedPearsonSums(similarities, 1e4 * 1.25, rounded, x, skip, new Float64Array(n), expected);
          const label = `${similarities.constructor.name} rounded=${rounded} skip=${skip}`;
          if (rounded) {
            assert.equal(out[0], expected.sy, label);
            assert.equal(out[1], expected.syy, label);
          } else {
            assert.ok(Math.abs(out[0] - expected.sy) <= 1e-12 * Math.abs(expected.syy) ** 0.5 * n, label);
            assert.ok(Math.abs(out[1] - expected.syy) <= 1e-12 * expected.syy, label);
          }
          assert.ok(Math.abs(out[2] - expected.sxy) <= 1e-12 * Math.max(1, Math.abs(expected.sxy)), label);
        }
      }
    }
    assert.throws(() => fast(new Float32Array(4), 1, true, new Float64Array(8), -1, new Float64Array(3)), /pearsonSums needs/);
    assert.throws(() => fast(new Float32Array(8), 1, true, new Float64Array(8), 8, new Float64Array(3)), /pearsonSums needs/);
  },
);

test('native tag side: the TypeScript tag cosines and x side exactly (sums to rounding), self excluded or not', native, () => {
  const dataset = syntheticDataset({ items: 120, maxImagesPerItem: 2, dim: 8, seed: 5, untagged: [9, 10] });
  const data = prepareDataset(dataset.manifest, dataset.embeddings, parseScoreOptions({}));
  const R = data.itemIds.length;
  const fast = new TagSimilarity(data.tags, R, true, false);
  const reference = new TagSimilarity(data.tags, R, true, false);
  const values = new Float64Array(R);
  const out = new Float64Array(3);
  for (const u of [0, 9, 57, R - 1]) {
    for (const skip of [-1, u]) {
      assert.ok(fast.computeSide(u, skip, values, out));
      reference.compute(u);
      assert.deepEqual(fast.x, reference.x, `x of item ${u}`);
      const first = skip === 0 ? 1 : 0;
      const kept = Array.from(reference.x).map((v, o) => (o === skip ? null : v));
      const expected = kept.map((v) => (v === null ? 0 : v - reference.x[first]));
      assert.deepEqual(Array.from(values), expected, `values of item ${u}, skip ${skip}`);
      const sum = expected.reduce((a, b) => a + b, 0);
      const sumSq = expected.reduce((a, b) => a + b * b, 0);
      assert.ok(Math.abs(out[0] - sum) < 1e-12 && Math.abs(out[1] - sumSq) < 1e-12, `sums of item ${u}`);
      const present = kept.filter((v): v is number => v !== null);
      assert.equal(out[2], Math.min(...present) === Math.max(...present) ? 1 : 0, `constant flag of item ${u}`);
    }
  }
  assert.equal(
    new TagSimilarity(data.tags, R, true, true).computeSide(0, -1, values, out),
    false,
    'per-category scoring keeps the TypeScript path',
  );
  assert.throws(
    () =>
      gemm!.tagSide(
        data.tags.itemTagOffsets,
        data.tags.itemTags,
        new Float64Array(1),
        data.tags.postingOffsets,
        data.tags.postings,
        new Float64Array(R),
        0,
        -1,
        new Float64Array(R),
        new Float64Array(R),
        values,
        out,
      ),
    /do not fit together/,
  );
});
