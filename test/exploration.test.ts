// The API behind the dashboard's exploration views: modelDisagreements, leaderboard bounds, runs(modelId:), on the demo.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo, type DemoSeed } from '../src/demo/seedDemo.js';
import { gql } from './support/platformClient.js';
import { startTestPlatform, type TestPlatform } from './support/securePlatform.js';

let platform: TestPlatform;
let demo: DemoSeed;

before(async () => {
  const defaults = loadConfig({});
  platform = await startTestPlatform(
    { anonymousRateLimitPerMinute: 0 },
    { inputSafety: { ...defaults.inputSafety, manifestRoots: [tmpdir(), join(DEMO_MANIFEST, '..'), ZOO_DIR] }, workers: 2, batchSize: 64 },
  );
  demo = await seedDemo(platform.platform, () => undefined);
});

after(() => platform?.close());

async function api<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const answer = await gql<T>(platform.url, query, variables);
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data!;
}

async function errorOf(query: string, variables: Record<string, unknown>): Promise<{ message: string; extensions?: { code?: string } }> {
  const answer = await gql(platform.url, query, variables);
  assert.ok(answer.errors?.length, 'an error');
  return answer.errors![0] as { message: string; extensions?: { code?: string } };
}

interface BoardModel {
  id: string;
  name: string;
  dim: number;
  metadata: { params: number | null; imagesPerSecond: number | null };
}

const board = async (filter: Record<string, unknown> | null): Promise<BoardModel[]> =>
  (
    await api<{ leaderboard: { edges: { node: { model: BoardModel } }[] } }>(
      'query ($d: ID!, $f: LeaderboardFilter) { leaderboard(datasetId: $d, filter: $f) { edges { node { model { id name dim metadata { params imagesPerSecond } } } } } }',
      { d: demo.datasetId, f: filter },
    )
  ).leaderboard.edges.map((edge) => edge.node.model);

const DISAGREEMENTS = `query ($d: ID!, $a: ID!, $b: ID!, $first: Int) { modelDisagreements(datasetId: $d, a: $a, b: $b, first: $first) {
  a { id } b { id } sharedQueries queries { image { id name } correlationA correlationB difference } } }`;

test('modelDisagreements: the queries whose correlations differ most, largest first, each a dataset image, consistent with compareModels', async () => {
  const [best, second] = await board(null);
  const { modelDisagreements: all } = await api(DISAGREEMENTS, { d: demo.datasetId, a: best.id, b: second.id, first: 1000 });
  assert.equal(all.a.id, best.id);
  assert.equal(all.b.id, second.id);
  assert.equal(all.queries.length, all.sharedQueries, 'every shared query when first is large enough');
  const magnitudes = all.queries.map((q: { difference: number }) => Math.abs(q.difference));
  assert.deepEqual(
    magnitudes,
    [...magnitudes].sort((x, y) => y - x),
  );
  for (const q of all.queries) assert.ok(Math.abs(q.difference - (q.correlationA - q.correlationB)) < 1e-12);
  const { compareModels } = await api(
    'query ($d: ID!, $a: ID!, $b: ID!) { compareModels(datasetId: $d, a: $a, b: $b) { sharedQueries meanDifference } }',
    {
      d: demo.datasetId,
      a: best.id,
      b: second.id,
    },
  );
  assert.equal(all.sharedQueries, compareModels.sharedQueries);
  const mean = all.queries.reduce((sum: number, q: { difference: number }) => sum + q.difference, 0) / all.queries.length;
  assert.ok(Math.abs(mean - compareModels.meanDifference) < 1e-9, 'the mean of the differences is compareModels.meanDifference');
  // The first five are the top of the whole list, and each image opens in neighbours().
  const { modelDisagreements: top } = await api(DISAGREEMENTS, { d: demo.datasetId, a: best.id, b: second.id, first: 5 });
  assert.deepEqual(top.queries, all.queries.slice(0, 5));
  const { neighbours } = await api('query ($i: ID!, $m: ID!) { neighbours(imageId: $i, modelId: $m, k: 3) { query { name } } }', {
    i: top.queries[0].image.id,
    m: best.id,
  });
  assert.equal(neighbours.query.name, top.queries[0].image.name);
  // Swapped models: the same queries, the differences negated.
  const { modelDisagreements: swapped } = await api(DISAGREEMENTS, { d: demo.datasetId, a: second.id, b: best.id, first: 5 });
  assert.deepEqual(
    swapped.queries.map((q: { difference: number }) => q.difference),
    top.queries.map((q: { difference: number }) => -q.difference),
  );
});

test('modelDisagreements refuses what it cannot answer, with typed errors', async () => {
  const [best, second] = await board(null);
  const same = await errorOf(DISAGREEMENTS, { d: demo.datasetId, a: best.id, b: best.id, first: 5 });
  assert.match(same.message, /a and b are the same model/);
  assert.equal((await errorOf(DISAGREEMENTS, { d: demo.datasetId, a: best.id, b: 'nope', first: 5 })).extensions?.code, 'NOT_FOUND');
  const tooMany = await errorOf(DISAGREEMENTS, { d: demo.datasetId, a: best.id, b: second.id, first: 0 });
  assert.equal(tooMany.extensions?.code, 'BAD_USER_INPUT');
  assert.match(tooMany.message, /first must be an integer from 1 to 1000/);
});

test('leaderboard filters: dimension, parameters and speed bounds keep exactly the models within them', async () => {
  const everyone = await board(null);
  const dims = [...new Set(everyone.map((m) => m.dim))].sort((x, y) => x - y);
  assert.ok(dims.length >= 2, `the demo has several dimensions: ${dims.join(', ')}`);
  const middle = dims[Math.floor(dims.length / 2)];
  const names = (models: BoardModel[]) => models.map((m) => m.name);
  assert.deepEqual(names(await board({ minDim: middle })), names(everyone.filter((m) => m.dim >= middle)));
  assert.deepEqual(names(await board({ maxDim: middle })), names(everyone.filter((m) => m.dim <= middle)));
  const params = everyone.flatMap((m) => (m.metadata.params === null ? [] : [m.metadata.params])).sort((x, y) => x - y);
  const bound = params[Math.floor(params.length / 2)];
  assert.deepEqual(
    names(await board({ maxParams: bound })),
    names(everyone.filter((m) => m.metadata.params !== null && m.metadata.params <= bound)),
  );
  const speeds = everyone.flatMap((m) => (m.metadata.imagesPerSecond === null ? [] : [m.metadata.imagesPerSecond])).sort((x, y) => x - y);
  const fast = speeds[Math.floor(speeds.length / 2)];
  const kept = names(await board({ minImagesPerSecond: fast }));
  assert.deepEqual(kept, names(everyone.filter((m) => m.metadata.imagesPerSecond !== null && m.metadata.imagesPerSecond >= fast)));
  assert.ok(kept.length > 0 && kept.length < everyone.length);
});

test("runs(modelId:): only the runs that evaluate the model, each with the model's evaluation", async () => {
  const [model] = await board(null);
  const { runs } = await api(
    'query ($m: ID!) { runs(modelId: $m, first: 100) { totalCount edges { node { evaluations { model { id } } } } } }',
    { m: model.id },
  );
  assert.ok(runs.totalCount >= 1);
  for (const edge of runs.edges) assert.ok(edge.node.evaluations.some((e: { model: { id: string } }) => e.model.id === model.id));
  const { runs: every } = await api('query { runs(first: 100) { totalCount } }');
  assert.ok(every.totalCount >= runs.totalCount);
  const { runs: none } = await api('query ($m: ID!) { runs(modelId: $m) { totalCount } }', { m: 'no-such-model' });
  assert.equal(none.totalCount, 0);
});
