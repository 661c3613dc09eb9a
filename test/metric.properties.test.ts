// Properties of the metric: scale invariance, Spearman on monotone data, dropped queries, single-category breakdowns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks, pearsonFromSums } from '../src/metric/correlation.js';
import { scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import { parseManifest } from '../src/metric/dataset.js';
import { createRng } from '../src/metric/random.js';
import { roundHalfEven, roundTo } from '../src/metric/rounding.js';
import { bareOptions, copyMatrix, syntheticDataset } from './support/fixtures.js';

const dataset = syntheticDataset({ items: 60, maxImagesPerItem: 3, dim: 16, seed: 11 });

function pearson(x: Float64Array, y: Float64Array): number {
  let sx = 0,
    sy = 0,
    sxx = 0,
    syy = 0,
    sxy = 0;
  x.forEach((v, i) => {
    sx += v;
    sy += y[i];
    sxx += v * v;
    syy += y[i] * y[i];
    sxy += v * y[i];
  });
  return pearsonFromSums(x.length, sx, sy, sxx, syy, sxy);
}

test('property: scaling each embedding by a positive factor changes nothing', async () => {
  const rng = createRng(3);
  const scaled = copyMatrix(dataset.embeddings);
  for (let i = 0; i < scaled.rows; i++) {
    const factor = 0.01 + rng.next() * 100;
    for (let k = 0; k < scaled.dim; k++) scaled.data[i * scaled.dim + k] *= factor;
  }
  const options = bareOptions({ roundSimilarity: null, perCategory: true });
  const a = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options);
  const b = await scoreCorrEmbed(dataset.manifest, scaled, options);
  for (const id of Object.keys(a.perQuery)) assert.ok(Math.abs(a.perQuery[id] - b.perQuery[id]) < 1e-5, id);
  assert.ok(Math.abs(a.score! - b.score!) < 1e-6);
});

test('property: Spearman of a monotone transform is 1, with ties averaged', () => {
  const x = Float64Array.from([0.3, 0.1, 0.1, 0.9, 0.5, 0.5, 0.5, 0.2]);
  const y = x.map((v) => Math.exp(5 * v) - 3);
  const rx = new Float64Array(x.length);
  const ry = new Float64Array(y.length);
  averageRanks(x, -1, rx);
  averageRanks(y, -1, ry);
  assert.deepEqual([...rx], [4, 1.5, 1.5, 8, 6, 6, 6, 3]);
  assert.ok(Math.abs(pearson(rx, ry) - 1) < 1e-12);
  const nearTie = Float64Array.from([0.5066936448269268, 0.5066936448269269, 0.2]);
  averageRanks(nearTie, -1, rx);
  assert.deepEqual([...rx.subarray(0, 3)], [2.5, 2.5, 1], 'values equal to 12 decimals are ties');
  const integers = Float64Array.from([3, -2, -2, 7, 3]);
  const ri = new Float64Array(5);
  averageRanks(integers, 1, ri);
  assert.deepEqual(
    [...ri].filter((_, i) => i !== 1),
    [2.5, 1, 4, 2.5],
  );
});

test('property: Spearman is invariant to any monotone rescaling of the embedding side', async () => {
  const a = await scoreCorrEmbed(
    dataset.manifest,
    copyMatrix(dataset.embeddings),
    bareOptions({ correlation: 'spearman', roundSimilarity: null }),
  );
  const b = await scoreCorrEmbed(
    dataset.manifest,
    copyMatrix(dataset.embeddings),
    bareOptions({ correlation: 'pearson', roundSimilarity: null }),
  );
  assert.notEqual(a.score, b.score);
  assert.ok(a.score! > 0.2 && a.score! <= 1, `spearman score ${a.score}`);
});

test('property: queries of an untagged item are dropped and counted', async () => {
  const data = syntheticDataset({ items: 30, maxImagesPerItem: 2, dim: 8, seed: 5, untagged: [0, 1] });
  const untaggedImages = data.manifest.images.filter((i) => i.item === 'item0' || i.item === 'item1').map((i) => i.id);
  const report = await scoreCorrEmbed(data.manifest, data.embeddings, bareOptions());
  assert.deepEqual([...report.droppedQueries].sort(), untaggedImages.sort());
  assert.equal(report.queriesDropped, untaggedImages.length);
  assert.equal(report.queriesUsed, data.manifest.images.length - untaggedImages.length);
});

test('property: with a single category the per-category score equals the score', async () => {
  const manifest = {
    ...dataset.manifest,
    items: dataset.manifest.items.map((i) => ({ ...i, tags: i.tags.filter((t) => t.category === 'Category') })),
  };
  const report = await scoreCorrEmbed(manifest, copyMatrix(dataset.embeddings), bareOptions({ perCategory: true }));
  assert.ok(Math.abs(report.perCategory!.Category! - report.score!) < 1e-12);
  const spearman = await scoreCorrEmbed(
    manifest,
    copyMatrix(dataset.embeddings),
    bareOptions({ perCategory: true, correlation: 'spearman', includeSelf: false }),
  );
  assert.ok(Math.abs(spearman.perCategory!.Category! - spearman.score!) < 1e-12);
});

test('property: rounding matches numpy.round (half to even on the scaled value)', () => {
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(-2.5), -2);
  assert.equal(roundHalfEven(-3.5), -4);
  assert.equal(roundTo(0.12345, 4), 0.1234);
  assert.equal(roundTo(0.345, 2), 0.34);
  assert.equal(roundTo(0.59, 2), 0.59);
});

test('property: a dataset with one item has no defined r', async () => {
  const manifest = {
    name: 'one',
    categoryWeights: {},
    items: [{ id: 'a', tags: [{ category: 'C', name: 'x' }] }],
    images: [
      { id: 'p', item: 'a', embedding: [1, 2] },
      { id: 'q', item: 'a', embedding: [2, 1] },
    ],
  };
  const report = await scoreCorrEmbed(
    manifest,
    { rows: 2, dim: 2, data: Float32Array.from([1, 2, 2, 1]) },
    bareOptions({ retrieval: true }),
  );
  assert.equal(report.score, null);
  assert.equal(report.queriesDropped, 2);
  assert.equal(report.retrieval!.meanTagSimilarityAt['1'], null);
});

test('property: categories named like Object builtins get their own weight or 1, never a builtin', async () => {
  const rename = (from: string, to: string) => ({
    ...dataset.manifest,
    items: dataset.manifest.items.map((i) => ({ ...i, tags: i.tags.map((t) => (t.category === from ? { ...t, category: to } : t)) })),
  });
  const plain = await scoreCorrEmbed(rename('Occasion', 'Ctor'), copyMatrix(dataset.embeddings), bareOptions());
  const builtin = await scoreCorrEmbed(rename('Occasion', 'constructor'), copyMatrix(dataset.embeddings), bareOptions());
  assert.equal(builtin.score, plain.score);
  const weighted = {
    ...rename('Occasion', '__proto__'),
    categoryWeights: JSON.parse('{"__proto__": 0.3, "Category": 0.59, "Color": 0.34, "Pattern": 0.54}'),
  };
  const asProto = await scoreCorrEmbed(weighted, copyMatrix(dataset.embeddings), bareOptions());
  const asName = await scoreCorrEmbed(
    { ...rename('Occasion', 'Ctor'), categoryWeights: { Ctor: 0.3, Category: 0.59, Color: 0.34, Pattern: 0.54 } },
    copyMatrix(dataset.embeddings),
    bareOptions(),
  );
  assert.equal(asProto.score, asName.score);
});

test('property: a tag listed twice on an item counts once (short and long tag lists)', () => {
  const many = Array.from({ length: 40 }, (_, i) => ({ category: 'C', name: `t${i % 20}` }));
  const manifest = parseManifest({
    items: [
      {
        id: 'a',
        tags: [
          { category: 'C', name: 'x' },
          { category: 'C', name: 'x' },
          { category: 'D', name: 'x' },
        ],
      },
      { id: 'b', tags: many },
    ],
    images: [{ id: 'p', item: 'a' }],
  });
  assert.deepEqual(manifest.items[0].tags, [
    { category: 'C', name: 'x' },
    { category: 'D', name: 'x' },
  ]);
  assert.equal(manifest.items[1].tags.length, 20);
});
