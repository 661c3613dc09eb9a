// Every metric option against a loop-per-pair float64 reference, across block boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePrecision, scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import { isUserInputError } from '../src/errors.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { bareOptions, copyMatrix, syntheticDataset } from './support/fixtures.js';
import { naiveCorrEmbed, type NaiveOptions } from './support/naiveReference.js';

const dataset = syntheticDataset({ items: 90, maxImagesPerItem: 4, dim: 24, seed: 7, untagged: [3] });

const combinations: { name: string; options: Record<string, unknown>; naive: NaiveOptions }[] = [
  { name: 'paper defaults', options: {}, naive: {} },
  { name: 'binary tags', options: { tagWeighting: 'binary' }, naive: { binary: true } },
  { name: 'own item excluded', options: { includeSelf: false }, naive: { includeSelf: false } },
  { name: 'nearest representative', options: { representative: 'nearest' }, naive: { representative: 'nearest' } },
  { name: 'mean representative', options: { representative: 'mean' }, naive: { representative: 'mean' } },
  { name: 'no similarity rounding', options: { roundSimilarity: null }, naive: { roundSimilarity: null } },
  { name: '2-decimal rounding', options: { roundSimilarity: 2 }, naive: { roundSimilarity: 2 } },
  {
    name: 'nearest, self excluded, unrounded, binary',
    options: { representative: 'nearest', includeSelf: false, roundSimilarity: null, tagWeighting: 'binary' },
    naive: { representative: 'nearest', includeSelf: false, roundSimilarity: null, binary: true },
  },
  {
    name: 'mean, self excluded',
    options: { representative: 'mean', includeSelf: false },
    naive: { representative: 'mean', includeSelf: false },
  },
];

for (const { name, options, naive } of combinations) {
  test(`options: ${name} match the reference per query (block size 16)`, async () => {
    const report = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions(options), { blockSize: 16 });
    const expected = naiveCorrEmbed(dataset.manifest, dataset.embeddings, naive);
    let defined = 0;
    for (const [id, r] of expected) {
      if (Number.isNaN(r)) {
        assert.ok(report.droppedQueries.includes(id), `${id} should be dropped`);
        continue;
      }
      defined++;
      assert.ok(Math.abs(report.perQuery[id] - r) < 1e-5, `${id}: ${report.perQuery[id]} vs ${r}`);
    }
    assert.equal(report.queriesUsed, defined);
    assert.ok(report.queriesDropped > 0, 'the untagged item makes its queries undefined');
  });
}

test('options: block size does not change any result', async () => {
  const small = await scoreCorrEmbed(
    dataset.manifest,
    copyMatrix(dataset.embeddings),
    bareOptions({ perCategory: true, retrieval: true }),
    { blockSize: 7 },
  );
  const large = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions({ perCategory: true, retrieval: true }));
  assert.deepEqual(small.perQuery, large.perQuery);
  assert.deepEqual(small.perCategory, large.perCategory);
  assert.deepEqual(small.retrieval, large.retrieval);
});

test('options: roundWeights null uses the weights as given', async () => {
  const manifest = { ...dataset.manifest, categoryWeights: { Category: 0.594, Color: 0.336, Pattern: 0.5449 } };
  const rounded = await scoreCorrEmbed(manifest, copyMatrix(dataset.embeddings), bareOptions());
  const asGiven = await scoreCorrEmbed(manifest, copyMatrix(dataset.embeddings), bareOptions({ roundWeights: null }));
  const roundedByHand = await scoreCorrEmbed(
    { ...manifest, categoryWeights: { Category: 0.59, Color: 0.34, Pattern: 0.54 } },
    copyMatrix(dataset.embeddings),
    bareOptions({ roundWeights: null }),
  );
  assert.equal(rounded.score, roundedByHand.score);
  assert.notEqual(rounded.score, asGiven.score);
});

test('options: an explicit query list scores exactly those images', async () => {
  const ids = [dataset.manifest.images[5].id, dataset.manifest.images[0].id, dataset.manifest.images[40].id];
  const all = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions());
  const some = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions({ queries: ids }));
  assert.deepEqual(Object.keys(some.perQuery).sort(), ids.filter((id) => id in all.perQuery).sort());
  for (const id of Object.keys(some.perQuery)) assert.equal(some.perQuery[id], all.perQuery[id]);
});

test('options: a seeded sample is deterministic, changes with the seed, and has n distinct queries', async () => {
  const run = (seed: number) =>
    scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions({ queries: { sample: 50, seed } }));
  const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
  assert.deepEqual(a.perQuery, b.perQuery);
  assert.equal(a.queriesUsed + a.queriesDropped, 50);
  assert.notDeepEqual(Object.keys(a.perQuery).sort(), Object.keys(c.perQuery).sort());
});

test('options: bad query selections are refused with a clear error', async () => {
  const expectError = async (queries: unknown, pattern: RegExp) => {
    await assert.rejects(
      () => scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions({ queries })),
      (error: unknown) => isUserInputError(error) && pattern.test(error.message),
    );
  };
  await expectError(['nope'], /query image "nope" is not in the dataset/);
  await expectError({ sample: 100000, seed: 1 }, /queries\.sample is 100000 but the dataset has only/);
});

test('options: unknown keys and bad values are refused', () => {
  assert.throws(() => bareOptions({ representativ: 'first' }), /unknown option "representativ"/);
  assert.throws(() => bareOptions({ correlation: 'kendall' }), /"correlation" must be one of/);
  assert.throws(() => bareOptions({ roundSimilarity: -1 }), /roundSimilarity/);
  assert.throws(() => bareOptions({ queries: { sample: 0 } }), /queries\.sample/);
  assert.throws(() => bareOptions({ bootstrap: { resamples: 10 } }), /bootstrap\.resamples/);
  assert.throws(() => bareOptions({ preset: 'paper' }), /"preset" must be one of "notebook", "corrected"/);
  assert.throws(() => bareOptions({ weightRounding: 'numpy' }), /"weightRounding" must be one of "python", "halfEven"/);
  assert.throws(() => bareOptions({ tagIdentity: 'id' }), /"tagIdentity" must be one of "name", "category"/);
  assert.throws(() => bareOptions({ dropCategories: 'Size' }), /"dropCategories" must be a list of category names/);
  assert.throws(() => bareOptions({ dropCategories: [''] }), /"dropCategories" must be a list/);
  assert.throws(() => bareOptions({ queries: { sample: 5, sampler: 'numpy' } }), /"queries\.sampler" must be one of "sfc32", "pandas"/);
  assert.throws(() => bareOptions({ precision: 'float16' }), /"precision" must be one of .*"torch"/);
});

test('options: the notebook defaults, and the corrected preset under explicit options', () => {
  const defaults = parseScoreOptions({});
  assert.deepEqual(
    [defaults.preset, defaults.weightRounding, defaults.tagIdentity, defaults.dropCategories],
    ['notebook', 'python', 'name', ['Size', 'brand', 'Fit', 'Shoe Size']],
  );
  const corrected = parseScoreOptions({ preset: 'corrected' });
  assert.deepEqual([corrected.weightRounding, corrected.tagIdentity, corrected.dropCategories], ['halfEven', 'category', []]);
  const mixed = parseScoreOptions({ preset: 'corrected', tagIdentity: 'name', dropCategories: ['Fit', 'Fit'] });
  assert.deepEqual([mixed.weightRounding, mixed.tagIdentity, mixed.dropCategories], ['halfEven', 'name', ['Fit']]);
  assert.deepEqual(parseScoreOptions(JSON.parse(JSON.stringify(mixed))), mixed, 'stored options parse back to themselves');
  assert.deepEqual(parseScoreOptions({ queries: { sample: 3 } }).queries, { sample: 3, seed: 0, sampler: 'sfc32' });
});

test('options: precision auto uses float64 for small problems and coarse rounding; float32 agrees to 1e-5', async () => {
  const auto = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions());
  const single = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions({ precision: 'float32' }));
  assert.equal(auto.precision, 'float64');
  assert.equal(single.precision, 'float32');
  for (const id of Object.keys(auto.perQuery)) assert.ok(Math.abs(auto.perQuery[id] - single.perQuery[id]) < 1e-5, id);
  assert.equal(resolvePrecision(bareOptions(), 20000, 8000, 2048), 'float32');
  assert.equal(resolvePrecision(bareOptions({ roundSimilarity: 2 }), 20000, 8000, 2048), 'float64');
  assert.equal(resolvePrecision(bareOptions({ roundSimilarity: null }), 20000, 8000, 2048), 'float32');
});

test('options: worker-thread shards give the same results as one thread, for every extra', async () => {
  const options = parseScoreOptions({ perCategory: true, retrieval: true, bootstrap: true, includeSelf: false, representative: 'nearest' });
  const single = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, { threads: 1 });
  const sharded = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, { threads: 3, parallelWork: 0 });
  for (const id of Object.keys(single.perQuery)) assert.ok(Math.abs(single.perQuery[id] - sharded.perQuery[id]) < 1e-12, id);
  assert.deepEqual(Object.keys(sharded.perQuery).sort(), Object.keys(single.perQuery).sort());
  for (const [c, v] of Object.entries(single.perCategory!)) assert.ok(Math.abs(v! - sharded.perCategory![c]!) < 1e-12, c);
  assert.ok(Math.abs(single.retrieval!.ndcgAt10! - sharded.retrieval!.ndcgAt10!) < 1e-12);
  assert.equal(single.queriesDropped, sharded.queriesDropped);
});
