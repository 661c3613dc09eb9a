// Query shards computed apart from JSON requests and merged give exactly the one-process report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserInputError } from '../src/errors.js';
import {
  computeShard,
  MAX_SHARDS,
  shardedPassRunner,
  shardsForAnswers,
  type EncodedPassResult,
  type ShardRequest,
} from '../src/metric/aggregateShards.js';
import { scoreCorrEmbed, type ScoreContext, type ScoreReport } from '../src/metric/corrEmbed.js';
import { parseScoreOptions, type ScoreOptions } from '../src/metric/options.js';
import { bareOptions, copyMatrix, syntheticDataset } from './support/fixtures.js';

const dataset = syntheticDataset({ items: 30, maxImagesPerItem: 3, dim: 16, seed: 11, untagged: [4] });
const images = dataset.manifest.images.length;

const optionSets: { name: string; options: ScoreOptions }[] = [
  { name: 'defaults', options: parseScoreOptions({}) },
  { name: 'bare', options: bareOptions() },
  { name: 'spearman', options: bareOptions({ correlation: 'spearman', perCategory: true }) },
  { name: 'nearest representative', options: bareOptions({ representative: 'nearest', retrieval: true }) },
  { name: 'mean representative', options: bareOptions({ representative: 'mean' }) },
  { name: 'own item excluded', options: bareOptions({ includeSelf: false, perCategory: true, retrieval: { k: [1, 3, 50] } }) },
  { name: 'no similarity rounding', options: bareOptions({ roundSimilarity: null }) },
  { name: 'per category', options: bareOptions({ perCategory: true }) },
  { name: 'retrieval', options: bareOptions({ retrieval: true }) },
  { name: 'baselines', options: bareOptions({ baselines: { seed: 3 } }) },
  { name: 'bootstrap', options: bareOptions({ bootstrap: true }) },
  { name: 'query sample', options: parseScoreOptions({ queries: { sample: 20, seed: 4 }, baselines: true }) },
  { name: 'float32', options: bareOptions({ precision: 'float32', retrieval: true, perCategory: true }) },
];

const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function withoutSeconds(report: ScoreReport): Omit<ScoreReport, 'seconds'> {
  const { seconds: _seconds, ...rest } = report;
  return rest;
}

const score = async (options: ScoreOptions, context: ScoreContext = {}) =>
  withoutSeconds(await scoreCorrEmbed(dataset.manifest, copyMatrix(dataset.embeddings), options, context));

/** A runner whose shards are computed from the request and answer as they would travel: JSON. */
const jsonRunner = (shards: number, options: ScoreOptions, shardContext = {}) =>
  shardedPassRunner(shards, async (request) =>
    throughJson(await computeShard(dataset.manifest, copyMatrix(dataset.embeddings), options, throughJson(request), shardContext)),
  );

for (const { name, options } of optionSets) {
  test(`shards: merged JSON shards give the one-process report exactly (${name})`, async () => {
    const expected = await score(options);
    for (const shards of [1, 3, 7, images + 5]) {
      assert.deepEqual(await score(options, { passRunner: jsonRunner(shards, options) }), expected, `${shards} shards`);
    }
  });
}

test('shards: shards on worker threads and worker-thread passes give the one-thread report exactly', async () => {
  const options = parseScoreOptions({
    perCategory: true,
    retrieval: true,
    bootstrap: true,
    includeSelf: false,
    representative: 'nearest',
    baselines: true,
  });
  const expected = await score(options, { threads: 1 });
  assert.deepEqual(await score(options, { threads: 3, parallelWork: 0 }), expected);
  assert.deepEqual(await score(options, { passRunner: jsonRunner(2, options, { threads: 3, parallelWork: 0 }) }), expected);
});

test("shards: a large pass on the calling thread (native GEMM on every core) gives the workers' report exactly", async () => {
  for (const options of [bareOptions(), parseScoreOptions({ perCategory: true, retrieval: true, bootstrap: true })]) {
    const workers = await score(options, { threads: 2, parallelWork: 0 });
    assert.deepEqual(await score(options, { threads: 2, parallelWork: 0, callingThread: true }), workers);
  }
});

test('shards: with more shards than queries, some are empty', async () => {
  const options = bareOptions({ perCategory: true, retrieval: true });
  const request: ShardRequest = { baseline: null, shard: 0, shards: images + 2 };
  const answer = await computeShard(dataset.manifest, copyMatrix(dataset.embeddings), options, request);
  assert.deepEqual(answer, { r: [], categoryR: [], retrieval: { ks: [1, 5, 10], topMeans: [], ndcg: [] } });
});

test("shards: large passes get enough shards that each answer stays far below Lambda's 6 MB", () => {
  assert.equal(shardsForAnswers(16, 1000, 5, { perCategory: true, retrievalK: [1, 5] }), 16);
  const shards = shardsForAnswers(16, 1_000_000, 12, { perCategory: true, retrievalK: [1, 5, 10] });
  assert.ok(shards > 16);
  assert.ok(Math.ceil(1_000_000 / shards) * (1 + 12 + 4) * 25 <= 4 * 1024 * 1024);
  assert.equal(shardsForAnswers(1, 1e12, 1, { perCategory: false, retrievalK: null }), MAX_SHARDS);
});

test('shards: bad shard requests are refused as user errors', async () => {
  const refused = async (request: unknown, pattern: RegExp, options = bareOptions()) => {
    await assert.rejects(
      () => computeShard(dataset.manifest, copyMatrix(dataset.embeddings), options, request as ShardRequest),
      (error: unknown) => isUserInputError(error) && pattern.test(error.message),
    );
  };
  await refused(null, /must be a JSON object/);
  await refused([0, 1], /must be a JSON object/);
  await refused({ baseline: null, shard: 0, shards: 0 }, /"shards" must be an integer from 1/);
  await refused({ baseline: null, shard: 0, shards: 1.5 }, /"shards" must be an integer/);
  await refused({ baseline: null, shard: 0 }, /"shards" must be an integer/);
  await refused({ baseline: null, shard: 3, shards: 3 }, /"shard" must be an integer from 0 to 2 \(got 3\)/);
  await refused({ baseline: null, shard: -1, shards: 3 }, /"shard" must be an integer/);
  await refused({ baseline: null, shard: '0', shards: 3 }, /"shard" must be an integer/);
  await refused({ baseline: 7, shard: 0, shards: 3 }, /"baseline" must be null or a baseline name/);
  await refused({ baseline: 'shuffledTags', shard: 0, shards: 3 }, /no pass for baseline "shuffledTags"/);
  await refused({ baseline: 'nope', shard: 0, shards: 3 }, /no pass for baseline "nope"/, bareOptions({ baselines: true }));
  assert.throws(() => shardedPassRunner(0, async () => ({ r: [], categoryR: null, retrieval: null })), isUserInputError);
});

test('shards: an answer that does not fit its shard is an error naming the shard', async () => {
  const options = bareOptions({ perCategory: true, retrieval: true });
  const tampered = (change: (answer: EncodedPassResult) => EncodedPassResult) =>
    shardedPassRunner(3, async (request) => {
      const answer = await computeShard(dataset.manifest, copyMatrix(dataset.embeddings), options, request);
      return request.shard === 1 ? change(answer) : answer;
    });
  const fails = (change: (answer: EncodedPassResult) => EncodedPassResult, pattern: RegExp) =>
    assert.rejects(
      () => score(options, { passRunner: tampered(change) }),
      (error: unknown) => error instanceof Error && pattern.test(error.message),
    );
  await fails((a) => ({ ...a, r: a.r.slice(1) }), /aggregate shard 1 of 3 \(main pass\): answered \d+ r values for \d+ queries/);
  await fails((a) => ({ ...a, categoryR: null }), /shard 1 of 3 .*per-category values/);
  await fails((a) => ({ ...a, retrieval: null }), /shard 1 of 3 .*retrieval values/);
});
