// The corrembed CLI as a user runs it: summaries, JSON, and one-line errors (exit 2, no stack) for bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeNpyMatrix } from '../src/io/npy.js';
import { loadBlasGemm } from '../src/linalg/nativeAddon.js';
import { syntheticDataset, WEIGHTS_DATASET, WEIGHTS_ORDERS, WORKED_EXAMPLE, WORKED_EXAMPLE_R } from './support/fixtures.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const dir = mkdtempSync(join(tmpdir(), 'corrembed-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer | object): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  return path;
}

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const worked = file('worked.json', WORKED_EXAMPLE);
const synthetic = syntheticDataset({ items: 40, maxImagesPerItem: 3, dim: 8, seed: 2 });
const syntheticManifest = file('synthetic.json', synthetic.manifest);
const syntheticNpy = file('synthetic.npy', encodeNpyMatrix(synthetic.embeddings.data, synthetic.embeddings.rows, synthetic.embeddings.dim));

test('cli: score --json on inline embeddings gives the worked example', () => {
  const { code, stdout, stderr } = run('score', '--dataset', worked, '--json');
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  for (const [id, r] of Object.entries(WORKED_EXAMPLE_R)) assert.ok(Math.abs(report.perQuery[id] - r) < 1e-6);
  assert.equal(report.queriesUsed, 5);
  assert.equal(report.ci95.length, 2);
  assert.deepEqual(Object.keys(report.perCategory), ['Category', 'Color', 'Material']);
  assert.ok(report.retrieval.ndcgAt10 > 0);
});

test('cli: score with .npy embeddings, options file and the readable summary', () => {
  const options = file('options.json', { correlation: 'spearman', baselines: { seed: 1 } });
  const { code, stdout, stderr } = run('score', '--dataset', syntheticManifest, '--embeddings', syntheticNpy, '--options', options);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /score\s+0\.\d{4}\s+95% CI \[0\.\d{4}, 0\.\d{4}\]/);
  assert.match(stdout, /per category/);
  assert.match(stdout, /baselines\s+random embeddings -?0\.\d{4}/);
  assert.match(stdout, /spearman/);
});

const badInputs: { name: string; args: () => string[]; message: RegExp }[] = [
  { name: 'missing manifest file', args: () => ['--dataset', join(dir, 'nope.json')], message: /cannot read \(ENOENT\)/ },
  { name: 'malformed JSON', args: () => ['--dataset', file('bad.json', '{"items": [')], message: /malformed JSON/ },
  {
    name: 'unknown item id',
    args: () => [
      '--dataset',
      file('unknown.json', { ...WORKED_EXAMPLE, images: [...WORKED_EXAMPLE.images, { id: 'p9', item: 'Z', embedding: [1, 1, 1] }] }),
    ],
    message: /image "p9" refers to unknown item id "Z"/,
  },
  {
    name: 'duplicate image id',
    args: () => ['--dataset', file('dup.json', { ...WORKED_EXAMPLE, images: [...WORKED_EXAMPLE.images, WORKED_EXAMPLE.images[0]] })],
    message: /duplicate image id "p1"/,
  },
  {
    name: 'duplicate item id',
    args: () => ['--dataset', file('dupitem.json', { ...WORKED_EXAMPLE, items: [...WORKED_EXAMPLE.items, WORKED_EXAMPLE.items[0]] })],
    message: /duplicate item id "A"/,
  },
  { name: 'empty dataset', args: () => ['--dataset', file('empty.json', { name: 'e', items: [], images: [] })], message: /empty dataset/ },
  {
    name: 'inline dimension mismatch',
    args: () => [
      '--dataset',
      file('dim.json', { ...WORKED_EXAMPLE, images: WORKED_EXAMPLE.images.map((i, k) => (k === 2 ? { ...i, embedding: [1, 2] } : i)) }),
    ],
    message: /image "p3" has an embedding of dimension 2, expected 3/,
  },
  {
    name: 'missing inline embedding',
    args: () => [
      '--dataset',
      file('noemb.json', { ...WORKED_EXAMPLE, images: WORKED_EXAMPLE.images.map((i, k) => (k === 1 ? { id: i.id, item: i.item } : i)) }),
    ],
    message: /image "p2" has no embedding/,
  },
  {
    name: 'row count mismatch',
    args: () => ['--dataset', syntheticManifest, '--embeddings', file('short.npy', encodeNpyMatrix(new Float32Array(8 * 3), 3, 8))],
    message: /3 rows but the manifest lists \d+ images/,
  },
  {
    name: 'NaN in embeddings',
    args: () => {
      const data = Float32Array.from(synthetic.embeddings.data);
      data[8 * 4 + 2] = NaN;
      return ['--dataset', syntheticManifest, '--embeddings', file('nan.npy', encodeNpyMatrix(data, synthetic.embeddings.rows, 8))];
    },
    message: new RegExp(`embedding of image "${synthetic.manifest.images[4].id}" has a non-finite value \\(NaN\\) at dimension 2`),
  },
  {
    name: 'Inf in inline embeddings',
    args: () => [
      '--dataset',
      worked,
      '--embeddings',
      file('inf.npy', encodeNpyMatrix(Float32Array.from([1, 0, 0, Infinity, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 5, 3)),
    ],
    message: /image "p2" has a non-finite value \(Infinity\)/,
  },
  {
    name: 'malformed .npy',
    args: () => ['--dataset', syntheticManifest, '--embeddings', file('junk.npy', 'junk')],
    message: /not a usable \.npy matrix/,
  },
  {
    name: 'unknown option',
    args: () => ['--dataset', worked, '--options', file('o1.json', { include_self: false })],
    message: /unknown option "include_self"/,
  },
  { name: 'unknown flag', args: () => ['--dataset', worked, '--embedding', 'x.npy'], message: /Unknown option '--embedding'/ },
  { name: 'no dataset', args: () => [], message: /--dataset <manifest.json> is required/ },
];

for (const { name, args, message } of badInputs) {
  test(`cli: ${name} exits 2 with one line and no stack`, () => {
    const { code, stdout, stderr } = run('score', ...args());
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], message);
    assert.doesNotMatch(stderr, /\bat .*\.js:\d+/);
  });
}

test('cli: weights from an orders CSV', () => {
  const csv = ['user_id,item_id', ...WEIGHTS_ORDERS.map((o) => `${o.user},"${o.item}"`)].join('\r\n');
  const { code, stdout, stderr } = run(
    'weights',
    '--orders',
    file('orders.csv', csv),
    '--dataset',
    file('weights.json', WEIGHTS_DATASET),
    '--drop',
    'Size',
    '--json',
  );
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.ok(Math.abs(result.categoryWeights.Color - 0.7016773885280044) < 1e-12);
  assert.equal(result.usersUsed, 2);
  const text = run('weights', '--orders', join(dir, 'orders.csv'), '--dataset', join(dir, 'weights.json'));
  assert.match(text.stdout, /Color\s+0\.70/);
  const bad = run('weights', '--orders', file('bad.csv', 'user,item\nu1\n'), '--dataset', join(dir, 'weights.json'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /line 2: expected "user id,item id"/);
});

test('cli: the summaries name each quirk that changed the data and its option; bad quirk flags exit 2', () => {
  const shared = {
    ...WORKED_EXAMPLE,
    categoryWeights: { ...WORKED_EXAMPLE.categoryWeights, Brand: 0.66 },
    items: WORKED_EXAMPLE.items.map((item) =>
      item.id === 'C' ? { ...item, tags: [...item.tags, { category: 'Brand', name: 'Black' }] } : item,
    ),
  };
  const summary = run('score', '--dataset', file('shared.json', shared));
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(
    summary.stdout,
    /quirk +1 tag name shared by two or more categories \(e\.g\. "Black" in "Color", "Brand"\).*option tagIdentity "category" keeps them apart/,
  );
  assert.match(summary.stdout, /score +0\.8211/);
  const corrected = run('score', '--dataset', join(dir, 'shared.json'), '--options', file('corrected.json', { preset: 'corrected' }));
  assert.doesNotMatch(corrected.stdout, /quirk/);
  assert.match(corrected.stdout, /score +0\.8314/);
  const noneTagged = {
    ...WEIGHTS_DATASET,
    items: WEIGHTS_DATASET.items.map((item) =>
      item.id === 'i3' ? { ...item, tags: [...item.tags, { category: 'Category', name: 'None' }] } : item,
    ),
  };
  const orders = file('orders-none.csv', ['user,item', ...WEIGHTS_ORDERS.map((o) => `${o.user},${o.item}`)].join('\n'));
  const weights = run('weights', '--orders', orders, '--dataset', file('none.json', noneTagged));
  assert.match(weights.stdout, /quirk +a tag named "None" in 1 category \("Category"\).*--none-tag separate keeps them apart/);
  const bad = run('weights', '--orders', orders, '--dataset', join(dir, 'none.json'), '--none-tag', 'drop');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--none-tag must be one of merge, separate \(got "drop"\)/);
});

test('cli: unknown command and help', () => {
  assert.equal(run('frobnicate').code, 2);
  const help = run('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /corrembed score --dataset/);
});

test('cli: one-shot commands end by _exit once their output is written, not through process.exit (Node 20 can hang in it)', {
  skip: loadBlasGemm().gemm ? false : 'native addon not built: process.exit is the only way out',
}, () => {
  // A preload that reports any call of process.exit; Node's own 'exit' listener of an ES module entry with top-level
  // await must not send the CLI down that path.
  const preload = file(
    'report-exit.mjs',
    "const exit = process.exit.bind(process);\nprocess.exit = (code) => { process._rawDebug('process.exit called'); return exit(code); };\n",
  );
  const result = spawnSync(process.execPath, ['--import', preload, CLI, 'weights', '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /--json/);
  assert.doesNotMatch(result.stderr, /process\.exit called/);
});
