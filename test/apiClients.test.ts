// docs/api.md's examples for Apollo Client, urql and graphql-request, run as they are against a real platform.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo } from '../src/demo/seedDemo.js';
import { ADMIN_KEY, request, startTestPlatform, type TestPlatform } from './support/securePlatform.js';

const run = promisify(execFile);
/** Under the repository, so that the examples' imports resolve to its node_modules. */
const EXAMPLES_DIR = join(process.cwd(), 'dist', 'docs-examples');

/** Each `<!-- example: name.mjs -->` followed by a js code block. */
function docExamples(): Map<string, string> {
  const text = readFileSync(join(process.cwd(), 'docs', 'api.md'), 'utf8');
  return new Map([...text.matchAll(/<!-- example: (\S+) -->\n```js\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]]));
}

let platform: TestPlatform;
let evaluateKey: string;
/** The model whose leaderboard evaluation the tests strip of per-query correlations, as if stored before them. */
let withoutPerQuery: string;

before(async () => {
  const defaults = loadConfig({});
  platform = await startTestPlatform(
    { anonymousRateLimitPerMinute: 0 },
    { inputSafety: { ...defaults.inputSafety, manifestRoots: [tmpdir(), join(DEMO_MANIFEST, '..'), ZOO_DIR] }, workers: 2, batchSize: 64 },
  );
  await seedDemo(platform.platform, () => undefined);
  const created = await request<{ createApiKey: { key: string } }>(
    platform.url,
    'mutation { createApiKey(name: "examples", scopes: [EVALUATE]) { key } }',
    {},
    ADMIN_KEY,
  );
  evaluateKey = created.body.data!.createApiKey.key;
  mkdirSync(EXAMPLES_DIR, { recursive: true });
});

after(() => platform?.close());

async function runExample(name: string): Promise<any> {
  const code = docExamples().get(name);
  assert.ok(code, `docs/api.md has no example ${name}`);
  const path = join(EXAMPLES_DIR, name);
  writeFileSync(path, code);
  const { stdout } = await run(process.execPath, [path], {
    env: { ...process.env, CORREMBED_URL: platform.url, CORREMBED_API_KEY: evaluateKey },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

test('Apollo Client: pages, sorts and filters the leaderboard, starts an evaluation, follows it to the end, compares two models', async () => {
  const out = await runExample('apollo-client.mjs');
  const ranks = (page: any) => page.edges.map((edge: any) => edge.node.rank);
  // The demo: three models written at seed time and the four of models/zoo.
  assert.equal(out.firstPage.totalCount, 7);
  assert.deepEqual(ranks(out.firstPage), [1, 2]);
  assert.deepEqual(ranks(out.nextPage), [3, 4]);
  assert.equal(out.nextPage.pageInfo.hasNextPage, true);
  const params = out.smallestFirst.edges.map((edge: any) => edge.node.model.metadata.params);
  assert.deepEqual(
    params,
    [...params].sort((x: number, y: number) => x - y),
  );
  assert.deepEqual(out.cnns.edges.map((edge: any) => edge.node.model.name).sort(), [
    'demo-random-cnn',
    'fmnist-cnn-small',
    'fmnist-cnn-wide',
  ]);
  // A family matches whole, whatever its case; ranks stay the ranks by score.
  const { family } = out.smallestFirst.edges.find((edge: any) => edge.node.model.name === 'fmnist-mlp128').node.model.metadata;
  const byFamily = await request(
    platform.url,
    'query ($d: ID!, $f: String) { leaderboard(datasetId: $d, filter: { family: $f }) { edges { node { rank model { name } } } } }',
    {
      d: (await platform.platform.db.prisma.dataset.findFirstOrThrow()).id,
      f: family.toUpperCase(),
    },
  );
  assert.deepEqual(
    byFamily.body.data!.leaderboard.edges.map((edge: any) => edge.node.model.name),
    ['fmnist-mlp128'],
  );
  assert.equal(out.started.status, 'QUEUED');
  assert.equal(out.statuses.at(-1), 'SUCCEEDED');
  const comparison = out.comparison;
  assert.equal(comparison.a.name, out.firstPage.edges[0].node.model.name);
  assert.equal(comparison.sharedQueries, 200);
  const [best, second] = out.firstPage.edges.map((edge: any) => edge.node.score);
  assert.ok(Math.abs(comparison.meanDifference - (best - second)) < 1e-9, 'every query shared: the gap of the scores');
  assert.ok(comparison.ci95.low <= comparison.meanDifference && comparison.meanDifference <= comparison.ci95.high);
  assert.ok(comparison.pValue > 0 && comparison.pValue <= 1);
  assert.equal(comparison.significant, comparison.pValue < 0.05);
});

test('urql with its defaults (GET queries): the leaderboard, an evaluation to its end, a comparison', async () => {
  const out = await runExample('urql.mjs');
  assert.deepEqual(
    out.board.edges.map((edge: any) => edge.node.rank),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal(out.completed.status, 'SUCCEEDED');
  assert.equal(out.error, null);
  assert.ok(out.comparison.meanDifference > 0, 'the best model against the second');
});

test('graphql-request: every model page by page, and one refetched by node(id:)', async () => {
  const out = await runExample('graphql-request.mjs');
  assert.equal(out.models.length, 7);
  assert.equal(new Set(out.models.map((m: any) => m.id)).size, 7);
  assert.ok(out.models.every((m: any) => m.layout === 'NCHW' && !Number.isNaN(Date.parse(m.createdAt))));
  assert.deepEqual(out.node, { __typename: 'Model', id: out.models[0].id, name: out.models[0].name });
});

test('compareModels refuses what it cannot compare, with typed errors', async () => {
  const datasetId = (await platform.platform.db.prisma.dataset.findFirstOrThrow()).id;
  const board = await request(
    platform.url,
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { model { id } evaluation { id } } } } }',
    { d: datasetId },
  );
  const entries = board.body.data!.leaderboard.edges.map((edge: any) => edge.node);
  const COMPARE = 'query ($d: ID!, $a: ID!, $b: ID!) { compareModels(datasetId: $d, a: $a, b: $b) { pValue } }';
  const compare = async (d: string, a: string, b: string) => (await request(platform.url, COMPARE, { d, a, b })).body.errors?.[0];
  const [first, , third, fourth] = entries;
  assert.match((await compare(datasetId, first.model.id, first.model.id))!.message, /a and b are the same model/);
  assert.equal((await compare(datasetId, first.model.id, 'nope'))!.extensions?.code, 'NOT_FOUND');
  assert.equal((await compare('nope', first.model.id, third.model.id))!.extensions?.code, 'NOT_FOUND');
  // An evaluation stored before per-query correlations were.
  await platform.platform.db.prisma.evaluation.update({ where: { id: fourth.evaluation.id }, data: { perQuery: Prisma.DbNull } });
  withoutPerQuery = fourth.model.id;
  const old = await compare(datasetId, third.model.id, fourth.model.id);
  assert.equal(old!.extensions?.code, 'BAD_USER_INPUT');
  assert.match(old!.message, /has no per-query correlations \(it predates them\): evaluate the model again/);
  // On the leaderboard that entry has no comparison, and the others still do.
  const marked = await request(
    platform.url,
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { model { id } comparedWithBest { pValue } } } } }',
    { d: datasetId },
  );
  assert.equal(marked.body.errors, undefined, JSON.stringify(marked.body.errors));
  const comparedOf = (id: string) =>
    marked.body.data!.leaderboard.edges.find((edge: any) => edge.node.model.id === id).node.comparedWithBest;
  assert.equal(comparedOf(fourth.model.id), null);
  assert.equal(typeof comparedOf(third.model.id).pValue, 'number');
});

test('the leaderboard marks the leading group: each entry against the best, as compareModels answers', async () => {
  const datasetId = (await platform.platform.db.prisma.dataset.findFirstOrThrow()).id;
  const board = await request(
    platform.url,
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank model { id } comparedWithBest { a { id } b { id } meanDifference pValue significant } } } } }',
    { d: datasetId },
  );
  assert.equal(board.body.errors, undefined, JSON.stringify(board.body.errors));
  const [best, ...rest] = board.body.data!.leaderboard.edges.map((edge: any) => edge.node);
  assert.equal(best.comparedWithBest, null);
  assert.equal(rest.find((entry: any) => entry.model.id === withoutPerQuery).comparedWithBest, null);
  for (const entry of rest.filter((e: any) => e.model.id !== withoutPerQuery)) {
    assert.equal(entry.comparedWithBest.a.id, best.model.id);
    assert.equal(entry.comparedWithBest.b.id, entry.model.id);
    assert.ok(entry.comparedWithBest.meanDifference >= 0, 'the best is not worse on average');
    const direct = await request(
      platform.url,
      'query ($d: ID!, $a: ID!, $b: ID!) { compareModels(datasetId: $d, a: $a, b: $b) { pValue } }',
      { d: datasetId, a: best.model.id, b: entry.model.id },
    );
    assert.equal(direct.body.data!.compareModels.pValue, entry.comparedWithBest.pValue);
  }
});
