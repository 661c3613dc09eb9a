// The symmetric pass (representative pairs multiplied once) gives the usual pass's values and the reference's, the same bits on any thread count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeBlasAllowed } from '../src/config.js';
import { loadBlasGemm } from '../src/linalg/nativeAddon.js';
import { scoreCorrEmbed, type ScoreContext } from '../src/metric/corrEmbed.js';
import { prepareDataset } from '../src/metric/prepared.js';
import { shardQueries } from '../src/metric/parallelScoring.js';
import type { PassOptions } from '../src/metric/scorePass.js';
import { symmetricSplit, SymmetricMerger, type BlockSums } from '../src/metric/symmetricPass.js';
import { bareOptions, copyMatrix, syntheticDataset } from './support/fixtures.js';
import { naiveCorrEmbed, type NaiveOptions } from './support/naiveReference.js';

// Enough items for several representative blocks of 48 rows; items with 1 to 3 images, so others are queried too.
const dataset = syntheticDataset({ items: 230, maxImagesPerItem: 3, dim: 40, seed: 21, untagged: [7] });
const native = { skip: nativeBlasAllowed() && loadBlasGemm().gemm ? false : 'the symmetric pass needs the native OpenBLAS kernel' };

/** The worker-thread pass (symmetric when it applies) with representative blocks of 48 rows. */
const threaded = (threads: number): ScoreContext => ({ threads, parallelWork: 0, blockSize: 48 });

const cases: { name: string; options: Record<string, unknown>; naive: NaiveOptions }[] = [
  { name: 'paper defaults', options: {}, naive: {} },
  { name: 'own item excluded', options: { includeSelf: false }, naive: { includeSelf: false } },
  { name: 'no similarity rounding', options: { roundSimilarity: null }, naive: { roundSimilarity: null } },
  { name: '2-decimal rounding (float64 products)', options: { roundSimilarity: 2 }, naive: { roundSimilarity: 2 } },
  { name: 'binary tags', options: { tagWeighting: 'binary' }, naive: { binary: true } },
];

for (const { name, options, naive } of cases) {
  test(`symmetric pass: ${name}: every query's r equals the usual pass's and the reference's`, native, async () => {
    const symmetric = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions(options), threaded(2));
    const usual = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), bareOptions(options), { threads: 1 });
    const expected = naiveCorrEmbed(dataset.manifest, dataset.embeddings, naive);
    assert.deepEqual(symmetric.droppedQueries, usual.droppedQueries);
    assert.equal(symmetric.queriesUsed, usual.queriesUsed);
    for (const [id, r] of Object.entries(usual.perQuery)) {
      assert.ok(Math.abs(symmetric.perQuery[id] - r) < 1e-9, `${id}: ${symmetric.perQuery[id]} vs ${r}`);
      assert.ok(Math.abs(symmetric.perQuery[id] - expected.get(id)!) < 1e-5, `${id} against the reference`);
    }
    assert.ok(Math.abs(symmetric.score! - usual.score!) < 1e-10);
  });
}

test('symmetric pass: the same bits on 2 and 3 worker threads, and run after run', native, async () => {
  const options = bareOptions({ bootstrap: true });
  const two = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, threaded(2));
  const three = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, threaded(3));
  const again = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, threaded(2));
  for (const report of [three, again]) {
    assert.deepEqual({ ...report, seconds: 0 }, { ...two, seconds: 0 });
  }
});

test('symmetric pass: CORREMBED_SYMMETRIC_PASS=false gives the one-thread pass exactly', native, async () => {
  const options = bareOptions();
  process.env.CORREMBED_SYMMETRIC_PASS = 'false';
  try {
    const off = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, threaded(2));
    const usual = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, { threads: 1, blockSize: 48 });
    assert.deepEqual({ ...off, seconds: 0 }, { ...usual, seconds: 0 });
  } finally {
    delete process.env.CORREMBED_SYMMETRIC_PASS;
  }
});

test('symmetric pass: applies to Pearson with first representatives and every representative queried once', native, () => {
  const options = bareOptions();
  const data = prepareDataset(dataset.manifest, copyMatrix(dataset.embeddings), options);
  const all = Int32Array.from({ length: data.imageIds.length }, (_, i) => i);
  const pass = (overrides: Partial<PassOptions>): PassOptions => ({ ...options, perCategory: false, retrievalK: null, ...overrides });
  const order = (queries: Int32Array): Int32Array => shardQueries(data, queries, 1)[0];
  const split = symmetricSplit(data, all, order(all), pass({}))!;
  assert.equal(split.representatives.length, data.itemIds.length);
  split.representatives.forEach((p, o) => assert.equal(data.itemImages[data.itemImageOffsets[o]], all[p]));
  assert.equal(split.others.length + split.representatives.length, all.length);
  assert.ok(split.others.every((p) => !split.representatives.includes(p)));
  for (const overrides of [{ correlation: 'spearman' }, { representative: 'nearest' }, { representative: 'mean' }, { perCategory: true }, { retrievalK: [1] }] as Partial<PassOptions>[]) {
    assert.equal(symmetricSplit(data, all, order(all), pass(overrides)), null, JSON.stringify(overrides));
  }
  const withoutFirst = all.filter((i) => i !== data.itemImages[0]);
  assert.equal(symmetricSplit(data, withoutFirst, order(withoutFirst), pass({})), null, 'a representative not queried');
  const twice = Int32Array.from([...all, data.itemImages[0]]);
  assert.equal(symmetricSplit(data, twice, order(twice), pass({})), null, 'a representative queried twice');
});

test('symmetric merger: blocks arriving in any order give the same bits', () => {
  const items = 10;
  const job = { blockSize: 4, blocks: 3 };
  const blocks: BlockSums[] = [0, 1, 2].map((block) => {
    const start = block * 4;
    const rows = Math.min(items, start + 4) - start;
    const values = (length: number, seed: number) => Float64Array.from({ length }, (_, k) => Math.sin(seed * 7919 + k) * 1e3 + 1e-3 * k);
    const x = values(rows * 3, block + 10).map((v, k) => (k % 3 === 2 ? 0 : Math.abs(v)));
    return { block, row: values(rows * 3, block), x, column: values(start * 3, block + 20) };
  });
  const merged = (order: number[]): Float64Array => {
    const merger = new SymmetricMerger(items, job, true);
    for (const b of order) merger.add({ ...blocks[b], column: blocks[b].column.slice() });
    return merger.r();
  };
  const expected = merged([2, 1, 0]);
  for (const order of [[0, 1, 2], [1, 0, 2], [0, 2, 1]]) assert.deepEqual(merged(order), expected);
  const incomplete = new SymmetricMerger(items, job, true);
  incomplete.add(blocks[2]);
  incomplete.add(blocks[0]);
  assert.throws(() => incomplete.r(), /block 1 never answered/);
});
