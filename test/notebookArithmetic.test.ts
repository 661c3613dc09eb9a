// The notebooks' arithmetic bit for bit: Python's round, pandas' sample (NumPy's legacy RandomState), torch's scaling.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import { pandasSampleIndices } from '../src/metric/pandasSample.js';
import { createRng } from '../src/metric/random.js';
import { pythonRound, roundTo } from '../src/metric/rounding.js';
import { torchUnitRows } from '../src/metric/torchCosine.js';
import { bareOptions, copyMatrix, syntheticDataset } from './support/fixtures.js';

const PYTHON = '/usr/bin/python3';

/** Runs a Python program that reads JSON on stdin and prints JSON. */
function python<T>(program: string, input: unknown): T {
  return JSON.parse(execFileSync(PYTHON, ['-c', program], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 })) as T;
}

test("python round: every 3-decimal weight in [-1, 1] and random doubles round as Python's round(x, d)", () => {
  const rng = createRng(3);
  const values = [
    ...Array.from({ length: 2001 }, (_, k) => (k - 1000) / 1000),
    ...Array.from({ length: 2000 }, () => (rng.next() - 0.5) * 10 ** rng.int(6)),
    0.125,
    -0.375,
    2.5,
    1e-20,
  ];
  const cases = values.flatMap((v) => [0, 1, 2, 3, 4].map((d) => [v, d]));
  const expected = python<number[]>('import json,sys\nprint(json.dumps([round(v, d) for v, d in json.load(sys.stdin)]))', cases);
  const wrong = cases.filter(([v, d], i) => pythonRound(v, d) !== expected[i]).map(([v, d]) => `round(${v}, ${d})`);
  assert.deepEqual(wrong.slice(0, 10), []);
  // The examples, and the 46 of 1,001 three-decimal weights that numpy.round rounds the other way.
  assert.deepEqual(
    [0.355, 0.015, 0.445].map((v) => pythonRound(v, 2)),
    [0.35, 0.01, 0.45],
  );
  assert.deepEqual(
    [0.355, 0.015, 0.445].map((v) => roundTo(v, 2)),
    [0.36, 0.02, 0.44],
  );
  assert.equal(Array.from({ length: 1001 }, (_, k) => k / 1000).filter((v) => pythonRound(v, 2) !== roundTo(v, 2)).length, 46);
});

test('pandas sample: the rows RandomState(seed).choice(n, k, replace=False) picks, in its order', () => {
  const cases: [number, number, number][] = [
    [10, 5, 42],
    [18000, 1000, 42],
    [70001, 300, 0],
    [1, 1, 7],
    [100, 100, 2 ** 32 - 1],
    [65537, 65537, 12345],
  ];
  const expected = python<number[][]>(
    'import json,sys\nimport numpy as np\nprint(json.dumps([np.random.RandomState(s).choice(n, size=k, replace=False).tolist() for n, k, s in json.load(sys.stdin)]))',
    cases,
  );
  cases.forEach(([n, k, seed], i) =>
    assert.deepEqual(Array.from(pandasSampleIndices(n, k, seed)), expected[i], `n=${n} k=${k} seed=${seed}`),
  );
});

test("pandas sample: queries { sampler: 'pandas' } score exactly those images", async () => {
  const data = syntheticDataset({ items: 30, maxImagesPerItem: 3, dim: 6, seed: 4 });
  const n = data.manifest.images.length;
  const [picked] = python<number[][]>(
    'import json,sys\nimport numpy as np\nn,k,s=json.load(sys.stdin)\nprint(json.dumps([np.random.RandomState(s).permutation(n)[:k].tolist()]))',
    [n, 20, 42],
  );
  const report = await scoreCorrEmbed(
    data.manifest,
    copyMatrix(data.embeddings),
    bareOptions({ queries: { sample: 20, seed: 42, sampler: 'pandas' } }),
  );
  const scored = [...Object.keys(report.perQuery), ...report.droppedQueries].sort();
  assert.deepEqual(scored, picked.map((i) => data.manifest.images[i].id).sort());
});

test("torch scaling: rows divided by sqrt(max(sum of squares, eps^2)) within an ulp of torch's, short rows by eps", () => {
  const rng = createRng(9);
  const dim = 700;
  const rows = 40;
  const data = Float32Array.from(
    { length: rows * dim },
    (_, i) => (rng.next() - 0.45) * (Math.floor(i / dim) === 3 ? 1e-12 : 10 ** (rng.int(5) - 2)),
  );
  const expected = python<number[]>(
    'import json,sys\nimport numpy as np, torch\nd,x=json.load(sys.stdin)\nt=torch.tensor(x,dtype=torch.float32).reshape(-1,d)\nprint(json.dumps((t/t.pow(2).sum(1,keepdim=True).clamp_min(1e-16).sqrt()).reshape(-1).tolist()))',
    [dim, Array.from(data)],
  );
  const got = torchUnitRows({ rows, dim, data });
  const far = expected.filter((e, i) => Math.abs(got[i] - e) > Math.abs(e) * 2 ** -22).length;
  assert.equal(far, 0);
  const shortRow = got.subarray(3 * dim, 4 * dim).reduce((s, v) => s + v * v, 0);
  assert.ok(shortRow < 1e-6, `the row below eps is not scaled to length 1 (${shortRow})`);
});
