// Extras from the same pass: per-category scores, retrieval figures, bootstrap interval, baselines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMeanInterval, quantileSorted } from '../src/metric/bootstrap.js';
import { scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import type { DatasetManifest } from '../src/metric/dataset.js';
import { inlineEmbeddings } from '../src/metric/embeddings.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { topIndices } from '../src/metric/retrieval.js';
import { bareOptions, copyMatrix, syntheticDataset, WORKED_EXAMPLE } from './support/fixtures.js';
import { naiveCorrEmbed } from './support/naiveReference.js';

const dataset = syntheticDataset({ items: 120, maxImagesPerItem: 3, dim: 32, seed: 21 });

/** The same dataset with extra Color and Pattern tags on some items, so several categories hold several tags of one item. */
const multiTagged = {
  embeddings: dataset.embeddings,
  manifest: {
    ...dataset.manifest,
    items: dataset.manifest.items.map((item, i) =>
      i % 3 === 0
        ? {
            ...item,
            tags: [
              ...item.tags.filter((t) => t.name !== 'Red' && t.name !== 'Floral'),
              { category: 'Color', name: 'Red' },
              { category: 'Pattern', name: 'Floral' },
            ],
          }
        : item,
    ),
  },
};

for (const includeSelf of [true, false]) {
  for (const correlation of ['pearson', 'spearman'] as const) {
    test(`per category: equals the score of the dataset restricted to that category (includeSelf ${includeSelf}, ${correlation})`, async () => {
      const options = bareOptions({ perCategory: true, includeSelf, correlation });
      const report = await scoreCorrEmbed(multiTagged.manifest, copyMatrix(multiTagged.embeddings), options);
      for (const category of ['Category', 'Color', 'Pattern', 'Occasion']) {
        const restricted: DatasetManifest = {
          ...multiTagged.manifest,
          items: multiTagged.manifest.items.map((i) => ({ ...i, tags: i.tags.filter((t) => t.category === category) })),
        };
        const alone = await scoreCorrEmbed(restricted, copyMatrix(multiTagged.embeddings), bareOptions({ includeSelf, correlation }));
        assert.ok(
          Math.abs(report.perCategory![category]! - alone.score!) < 1e-9,
          `${category}: ${report.perCategory![category]} vs ${alone.score}`,
        );
        if (correlation === 'pearson') {
          const values = [...naiveCorrEmbed(restricted, multiTagged.embeddings, { includeSelf }).values()].filter((r) => !Number.isNaN(r));
          assert.ok(Math.abs(alone.score! - values.reduce((s, v) => s + v, 0) / values.length) < 1e-5);
        }
      }
    });
  }
}

test('per category: a category with weight 0 has no defined score', async () => {
  const manifest = { ...dataset.manifest, categoryWeights: { ...dataset.manifest.categoryWeights, Color: 0 } };
  const report = await scoreCorrEmbed(manifest, copyMatrix(dataset.embeddings), bareOptions({ perCategory: true }));
  assert.equal(report.perCategory!.Color, null);
  assert.ok(typeof report.perCategory!.Category === 'number');
});

test('retrieval: top-k keeps ties in index order and skips the query item', () => {
  const out = new Int32Array(3);
  const values = new Float64Array(3);
  assert.equal(topIndices([0.5, 0.9, 0.5, 0.9, 0.1], 1, 3, out, values), 3);
  assert.deepEqual([...out], [3, 0, 2]);
});

test('retrieval: worked example figures by hand', async () => {
  const report = await scoreCorrEmbed(WORKED_EXAMPLE, inlineEmbeddings(WORKED_EXAMPLE.images), bareOptions({ retrieval: true }));
  // Tag cosines between items (docs/metric.md's weights), and each item's representative (its first image).
  const x: Record<string, Record<string, number>> = {
    A: { B: 0.750701, C: 0.249299, D: 0.834288 },
    B: { A: 0.750701, C: 0, D: 0.626286 },
    C: { A: 0.249299, B: 0, D: 0.207979 },
    D: { A: 0.834288, B: 0.626286, C: 0.207979 },
  };
  const reps: Record<string, number[]> = { A: [1, 0, 0], B: [0.2, 1, 0], C: [0, 0.3, 1], D: [0.7, 0.7, 0.1] };
  const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
  let top1 = 0;
  let ndcg = 0;
  for (const image of WORKED_EXAMPLE.images) {
    const others = Object.keys(x[image.item]).sort((a, b) => cos(reps[b], image.embedding!) - cos(reps[a], image.embedding!));
    top1 += x[image.item][others[0]];
    const rel = others.map((o) => x[image.item][o]);
    const ideal = [...rel].sort((a, b) => b - a);
    const dcg = (r: number[]) => r.reduce((s, v, i) => s + v / Math.log2(i + 2), 0);
    ndcg += dcg(rel) / dcg(ideal);
  }
  assert.ok(Math.abs(report.retrieval!.meanTagSimilarityAt['1']! - top1 / 5) < 1e-5);
  assert.ok(Math.abs(report.retrieval!.ndcgAt10! - ndcg / 5) < 1e-5);
});

test('retrieval: embeddings equal to the tag vectors retrieve perfectly (nDCG@10 = 1)', async () => {
  const vocabulary = [...new Set(dataset.manifest.items.flatMap((i) => i.tags.map((t) => `${t.category}:${t.name}`)))];
  const manifest = { ...dataset.manifest, categoryWeights: {} };
  const tagOf = new Map(
    manifest.items.map((i) => [i.id, vocabulary.map((v) => (i.tags.some((t) => `${t.category}:${t.name}` === v) ? 1 : 0))]),
  );
  const images = manifest.images.map((im) => ({ ...im, embedding: [...tagOf.get(im.item)!, 1e-4] }));
  const report = await scoreCorrEmbed(
    { ...manifest, images },
    inlineEmbeddings(images),
    bareOptions({ retrieval: true, tagWeighting: 'binary', roundSimilarity: null }),
  );
  assert.ok(report.retrieval!.ndcgAt10! > 0.999, `nDCG ${report.retrieval!.ndcgAt10}`);
  assert.ok(report.score! > 0.999);
});

test('bootstrap: seeded, reproducible, brackets the mean, and narrows with more queries', () => {
  const values = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i) * 0.3 + 0.2);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const a = bootstrapMeanInterval(values, 1000, 1)!;
  assert.deepEqual(a, bootstrapMeanInterval(values, 1000, 1));
  assert.notDeepEqual(a, bootstrapMeanInterval(values, 1000, 2));
  assert.ok(a[0] < mean && mean < a[1]);
  const wide = bootstrapMeanInterval(values.subarray(0, 40), 1000, 1)!;
  assert.ok(wide[1] - wide[0] > a[1] - a[0]);
  assert.equal(quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.5), 2.5);
  assert.equal(bootstrapMeanInterval(new Float64Array(0), 1000, 1), null);
});

test('baselines: chance-level scores far below the real one, reproducible per seed', async () => {
  const options = parseScoreOptions({ bootstrap: false, perCategory: false, retrieval: false, baselines: { seed: 4 } });
  const report = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options);
  const again = await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options);
  assert.deepEqual(report.baselines, again.baselines);
  const b = report.baselines!;
  assert.ok(report.score! > 0.3, `real ${report.score}`);
  for (const name of ['randomEmbeddings', 'shuffledEmbeddings', 'shuffledTags'] as const) {
    assert.ok(Math.abs(b[name].score!) < 0.1, `${name} ${b[name].score}`);
  }
});
