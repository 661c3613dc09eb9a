// `corrembed export-vectors` after a real evaluation: the matrix and its ids, `corrembed embed --unit --npy` agreeing, clear errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeFloat16 } from '../src/embedding/float16.js';
import { RunEvents } from '../src/events/runEvents.js';
import { npyFloat16Rows, parseNpyMatrix } from '../src/io/npy.js';
import type { EmbeddingMatrix } from '../src/metric/embeddings.js';
import { RunService } from '../src/runs/runService.js';
import { exportRunVectors } from '../src/runs/vectorExport.js';
import { CountingExecutor } from './support/countingExecutor.js';
import { createSide, type Side } from './support/evaluationSide.js';
import { TINY_DIM, writeTinyModel, type WrittenModel } from './support/tinyModels.js';
import { writeToneDataset } from './support/toneDataset.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const dir = mkdtempSync(join(tmpdir(), 'corrembed-export-'));
const out = join(dir, 'out');
const IMAGES = 10;
/** Image p4's file is not an image: it has no vector. */
const BROKEN = 4;

let side: Side;
let executor: CountingExecutor;
let models: WrittenModel[];
let runIds: { single: string; pair: string; unembedded: string };

before(async () => {
  const manifestPath = await writeToneDataset(dir, IMAGES);
  writeFileSync(join(dir, 'images', `${BROKEN}.png`), 'not an image');
  mkdirSync(out);
  models = [
    await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny-a', seed: 7 }),
    await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny-b', seed: 11 }),
    await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny-c', seed: 13 }),
  ];
  side = await createSide(
    manifestPath,
    models.map((m) => m.manifest),
    { datasets: [dir], models: [dir] },
  );
  const [a, b, c] = side.modelIds;
  executor = new CountingExecutor(side.cache, 1);
  const runs = new RunService(side.db.prisma, side.datasets, side.cache, executor, new RunEvents(), {
    batchSize: 4,
    concurrency: 2,
    leaseSeconds: 30,
  });
  const single = await runs.start({ datasetId: side.datasetId, modelIds: [a] });
  const pair = await runs.start({ datasetId: side.datasetId, modelIds: [a, b] });
  await runs.drain();
  for (const evaluation of await side.db.prisma.evaluation.findMany()) assert.equal(evaluation.status, 'succeeded', evaluation.error ?? '');
  // Recorded by a process that does not drive runs: its model is never embedded.
  const recorder = new RunService(side.db.prisma, side.datasets, side.cache, null, new RunEvents(), {
    batchSize: 4,
    concurrency: 1,
    leaseSeconds: 30,
    driveRuns: false,
  });
  const unembedded = await recorder.start({ datasetId: side.datasetId, modelIds: [c] });
  runIds = { single: single.id, pair: pair.id, unembedded: unembedded.id };
});

after(async () => {
  await executor?.close();
  await side?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: side.db.url } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

function readNpy(path: string): EmbeddingMatrix {
  return parseNpyMatrix(readFileSync(path), path);
}

const row = (m: EmbeddingMatrix, i: number) => m.data.subarray(i * m.dim, (i + 1) * m.dim);
const maxAbsDiff = (x: Float32Array, y: Float32Array) => Math.max(...x.map((v, k) => Math.abs(v - y[k])));

test('export-vectors: one row per image with a vector, in dataset order, equal to `corrembed embed --unit --npy`', async () => {
  const file = join(out, 'a.npy');
  const exported = await cli('export-vectors', '--run', runIds.single, '--out', file);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(
    exported.stdout,
    /^9 x 8 float32 of model "tiny-a" \(\w+\) -> .*a\.npy, ids in .*a\.ids\.txt; 1 of the dataset's 10 images had no vector\n$/,
  );
  const matrix = readNpy(file);
  assert.deepEqual([matrix.rows, matrix.dim], [IMAGES - 1, TINY_DIM]);
  const ids = readFileSync(join(out, 'a.ids.txt'), 'utf8').split('\n');
  const expected = Array.from({ length: IMAGES }, (_, i) => i)
    .filter((i) => i !== BROKEN)
    .map((i) => `p${i}`);
  assert.deepEqual(ids, [...expected, '']);

  const npy = join(out, 'embedded.npy');
  const embedded = await cli(
    'embed',
    '--manifest',
    models[0].manifest,
    '--unit',
    '--npy',
    npy,
    ...expected.map((id) => `images/${id.slice(1)}.png`),
  );
  assert.equal(embedded.code, 0, embedded.stderr);
  const reference = readNpy(npy);
  assert.deepEqual([reference.rows, reference.dim], [matrix.rows, matrix.dim]);
  for (let i = 0; i < matrix.rows; i++) {
    const norm = Math.hypot(...row(reference, i));
    assert.ok(Math.abs(norm - 1) < 1e-6, `--unit: row ${i} has norm ${norm}`);
    const diff = maxAbsDiff(row(matrix, i), row(reference, i));
    assert.ok(diff < 2e-3, `row ${i} (${expected[i]}) differs from embed's by ${diff}`);
    // Each row is nearest to its own image's vector, so a row out of place cannot hide within the tolerance.
    for (let j = 0; j < matrix.rows; j++)
      if (j !== i) assert.ok(maxAbsDiff(row(matrix, i), row(reference, j)) > 10 * diff, `rows ${i} and ${j} are too alike to check order`);
  }
  assert.deepEqual(
    readdirSync(out).filter((name) => name.endsWith('.partial')),
    [],
    'no temporary file is left',
  );
});

test('export-vectors --dtype float16: the stored bits, the float32 export rounded back exactly; --model by name or id', async () => {
  const [a, b] = side.modelIds;
  const byName = await cli(
    'export-vectors',
    '--run',
    runIds.pair,
    '--model',
    'tiny-a',
    '--out',
    join(out, 'half.npy'),
    '--dtype',
    'float16',
  );
  assert.equal(byName.code, 0, byName.stderr);
  assert.match(byName.stdout, new RegExp(`^9 x 8 float16 of model "tiny-a" \\(${a}\\)`));
  const widened = await cli('export-vectors', '--run', runIds.pair, '--model', 'tiny-a', '--out', join(out, 'wide.npy'));
  assert.equal(widened.code, 0, widened.stderr);
  const half = npyFloat16Rows(readFileSync(join(out, 'half.npy')), 'half.npy');
  const wide = readNpy(join(out, 'wide.npy'));
  assert.deepEqual([half.rows, half.dim], [wide.rows, wide.dim]);
  assert.deepEqual(Buffer.from(half.float16), Buffer.from(encodeFloat16(wide.data)));
  assert.deepEqual(readNpy(join(out, 'half.npy')).data, wide.data, 'float16 widened is the float32 export');

  const byId = await cli('export-vectors', '--run', runIds.pair, '--model', b, '--out', join(out, 'b'));
  assert.equal(byId.code, 0, byId.stderr);
  assert.match(byId.stdout, /of model "tiny-b"/);
  const other = readNpy(join(out, 'b'));
  assert.deepEqual([other.rows, other.dim], [wide.rows, wide.dim]);
  assert.notDeepEqual(other.data, wide.data);
  assert.equal(readFileSync(join(out, 'b.ids.txt'), 'utf8'), readFileSync(join(out, 'wide.ids.txt'), 'utf8'));
});

test('export-vectors: an unknown run, a model to choose, a model not in the run, no vectors, an unwritable --out: exit 2, one line', async () => {
  const cases: [string[], RegExp][] = [
    [['--run', 'no-such-run'], /^corrembed export-vectors: run "no-such-run" not found\n$/],
    [
      ['--run', runIds.pair],
      /^corrembed export-vectors: run "\w+" evaluated 2 models; name one with --model <id or name>: "tiny-a" \(\w+\), "tiny-b" \(\w+\)\n$/,
    ],
    [
      ['--run', runIds.pair, '--model', 'tiny-c'],
      /^corrembed export-vectors: model "tiny-c" is not in run "\w+"; its models: "tiny-a" .*"tiny-b"/,
    ],
    [
      ['--run', runIds.unembedded],
      /^corrembed export-vectors: run "\w+": no vectors of model "tiny-c" are stored for its dataset's 10 images \(evaluation queued;/,
    ],
    [['--run', runIds.single, '--dtype', 'float64'], /--dtype must be float32 or float16/],
  ];
  for (const [args, pattern] of cases) {
    const result = await cli('export-vectors', ...args, '--out', join(out, 'refused.npy'));
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  const missingFolder = await cli('export-vectors', '--run', runIds.single, '--out', join(out, 'nowhere', 'x.npy'));
  assert.equal(missingFolder.code, 2, missingFolder.stderr);
  assert.match(missingFolder.stderr, /cannot write ".*x\.npy": its folder does not exist/);
  const folder = await cli('export-vectors', '--run', runIds.single, '--out', out);
  assert.equal(folder.code, 2, folder.stderr);
  assert.match(folder.stderr, /cannot write ".*out": it is a folder/);
  assert.deepEqual(
    readdirSync(out).filter((name) => name.startsWith('refused') || name.endsWith('.partial')),
    [],
    'a refused export leaves nothing behind',
  );
});

test('export-vectors reads the dataset page by page: pages of 3 images write the same files as one page', async () => {
  const write = (name: string, pageSize?: number) =>
    exportRunVectors(side.db.prisma, side.cache, { runId: runIds.single, out: join(out, name), dtype: 'float32', pageSize });
  const [whole, paged] = [await write('whole.npy'), await write('paged.npy', 3)];
  assert.deepEqual({ ...paged, out: '', idsPath: '' }, { ...whole, out: '', idsPath: '' });
  assert.equal(paged.missing, 1);
  assert.deepEqual(readFileSync(join(out, 'paged.npy')), readFileSync(join(out, 'whole.npy')));
  assert.equal(readFileSync(join(out, 'paged.ids.txt'), 'utf8'), readFileSync(join(out, 'whole.ids.txt'), 'utf8'));
  assert.equal(readNpy(join(out, 'paged.npy')).rows, IMAGES - 1);
});
