// docs/metric.md's worked example, computed by hand, reproduced by the engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import { inlineEmbeddings } from '../src/metric/embeddings.js';
import { prepareDataset } from '../src/metric/prepared.js';
import { TagSimilarity } from '../src/metric/tagSimilarity.js';
import { bareOptions, WORKED_EXAMPLE, WORKED_EXAMPLE_R } from './support/fixtures.js';

test('worked example: per-query r and the mean match docs/metric.md', async () => {
  const report = await scoreCorrEmbed(WORKED_EXAMPLE, inlineEmbeddings(WORKED_EXAMPLE.images), bareOptions());
  for (const [id, r] of Object.entries(WORKED_EXAMPLE_R))
    assert.ok(Math.abs(report.perQuery[id] - r) < 1e-6, `${id}: ${report.perQuery[id]} vs ${r}`);
  assert.ok(Math.abs(report.score! - 0.828914) < 1e-6, `mean ${report.score}`);
  assert.equal(report.queriesUsed, 5);
  assert.equal(report.queriesDropped, 0);
});

test('worked example: tag cosines for q = p2 are x = [1, 0.750701, 0.249299, 0.834288]', () => {
  const data = prepareDataset(WORKED_EXAMPLE, inlineEmbeddings(WORKED_EXAMPLE.images), bareOptions());
  const tags = new TagSimilarity(data.tags, data.itemIds.length, true);
  tags.compute(data.imageItem[1]);
  [1, 0.750701, 0.249299, 0.834288].forEach((x, o) => assert.ok(Math.abs(tags.x[o] - x) < 1e-6, `x[${o}] = ${tags.x[o]}`));
});
