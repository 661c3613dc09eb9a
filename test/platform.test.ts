// The platform end to end against the real PostgreSQL: GraphQL over HTTP and WebSocket, sharp, onnxruntime.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { collectSubscription, gql } from './support/platformClient.js';
import { writeTinyModel } from './support/tinyModels.js';
import { testPlatformConfig } from './support/platformConfig.js';

const KEY = 'test-admin-key-0123456789';
const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const dir = mkdtempSync(join(tmpdir(), 'corrembed-platform-'));
const databaseUrl = uniqueTestDatabaseUrl();
let platform: Platform;
let url: string;
let datasetId: string;
let modelIds: string[];
let manifestPath: string;
let modelManifests: string[];

const COLORS: Record<string, [number, number, number]> = { Red: [220, 30, 40], Green: [30, 180, 60], Blue: [40, 60, 220] };
const SHAPES = ['Square', 'Circle', 'Stripes'];

/** A shape of a colour on a white ground, drawn as SVG and rasterised by sharp into a PNG or JPEG. */
async function drawImage(path: string, color: [number, number, number], shape: string, jitter: number): Promise<void> {
  const fill = `rgb(${color.join(',')})`;
  const body =
    shape === 'Square'
      ? `<rect x="${10 + jitter}" y="10" width="44" height="44" fill="${fill}"/>`
      : shape === 'Circle'
        ? `<circle cx="${32 + jitter}" cy="32" r="22" fill="${fill}"/>`
        : [0, 1, 2, 3].map((i) => `<rect x="0" y="${i * 16 + jitter}" width="64" height="7" fill="${fill}"/>`).join('');
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="white"/>${body}</svg>`,
  );
  const image = sharp(svg);
  await (path.endsWith('.jpg') ? image.jpeg({ quality: 90 }) : image.png()).toFile(path);
}

async function writeDataset(): Promise<string> {
  const images: { id: string; item: string; uri: string }[] = [];
  const items: { id: string; tags: { category: string; name: string }[] }[] = [];
  await mkdir(join(dir, 'dataset', 'images'), { recursive: true });
  let n = 0;
  for (const [colorName, color] of Object.entries(COLORS)) {
    for (const shape of SHAPES) {
      for (let k = 0; k < 3; k++) {
        const item = `item-${colorName}-${shape}-${k}`;
        items.push({
          id: item,
          tags: [
            { category: 'Color', name: colorName },
            { category: 'Shape', name: shape },
          ],
        });
        for (let v = 0; v < 1 + (k % 2); v++) {
          const uri = `images/${item}-${v}.${n % 2 ? 'jpg' : 'png'}`;
          await drawImage(join(dir, 'dataset', uri), color, shape, (k * 3 + v * 5) % 9);
          images.push({ id: `p${n++}`, item, uri });
        }
      }
    }
  }
  items.push({ id: 'item-corrupt', tags: [{ category: 'Color', name: 'Red' }] });
  writeFileSync(join(dir, 'dataset', 'images', 'corrupt.png'), 'this is not an image');
  images.push({ id: 'p-corrupt', item: 'item-corrupt', uri: 'images/corrupt.png' });
  const path = join(dir, 'dataset', 'manifest.json');
  writeFileSync(path, JSON.stringify({ name: 'shapes', categoryWeights: { Color: 0.34, Shape: 0.59 }, items, images }));
  return path;
}

before(async () => {
  manifestPath = await writeDataset();
  modelManifests = await writeDemoModels(join(dir, 'models'));
  platform = await startPlatform(testPlatformConfig(dir, databaseUrl, { adminKey: KEY, workers: 2, batchSize: 4 }), () => undefined);
  url = platform.server.url;
});

after(async () => {
  await platform?.close();
  await dropDatabase(databaseUrl);
  rmSync(dir, { recursive: true, force: true });
});

const IMPORT =
  'mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { id name imageCount itemCount categories { name weight tagCount } } }';
const REGISTER = 'mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id name dim layout inputName outputName } }';
const START = 'mutation ($input: StartEvaluationInput!) { startEvaluation(input: $input) { id status progress { done total } } }';
const RUN_FIELDS =
  'id status error progress { done total } evaluations { model { id name } status score ci95 { low high } queriesUsed perCategory { category score } failedImages { totalCount edges { node { imageId error } } } }';

test('mutations without a key, or with a wrong one, are refused', async () => {
  const none = await gql(url, IMPORT, { input: { manifestPath } });
  assert.equal(none.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  const wrong = await gql(url, IMPORT, { input: { manifestPath } }, 'not-the-key');
  assert.equal(wrong.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  const datasets = await gql<{ datasets: { totalCount: number } }>(url, '{ datasets { totalCount } }');
  assert.deepEqual(datasets.data?.datasets, { totalCount: 0 });
});

test('importDataset and registerModel', async () => {
  const imported = await gql<{
    importDataset: { id: string; imageCount: number; itemCount: number; categories: { name: string; weight: number }[] };
  }>(url, IMPORT, { input: { manifestPath } }, KEY);
  assert.equal(imported.errors, undefined);
  datasetId = imported.data!.importDataset.id;
  assert.equal(imported.data!.importDataset.itemCount, 28);
  assert.equal(imported.data!.importDataset.imageCount, 37);
  assert.deepEqual(
    imported.data!.importDataset.categories.map((c) => [c.name, c.weight]),
    [
      ['Color', 0.34],
      ['Shape', 0.59],
    ],
  );
  modelIds = [];
  for (const path of modelManifests) {
    const registered = await gql<{ registerModel: { id: string; dim: number; layout: string } }>(
      url,
      REGISTER,
      { input: { manifestPath: path } },
      KEY,
    );
    assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
    assert.equal(registered.data!.registerModel.layout, 'NCHW');
    modelIds.push(registered.data!.registerModel.id);
  }
});

test('an evaluation reports over both subscriptions and matches corrembed embed + corrembed score', async () => {
  const started = await gql<{ startEvaluation: { id: string; status: string; progress: { total: number } } }>(
    url,
    START,
    { input: { datasetId, modelIds } },
    KEY,
  );
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const runId = started.data!.startEvaluation.id;
  assert.equal(started.data!.startEvaluation.progress.total, 37 * 3);
  const [progress, completed] = await Promise.all([
    collectSubscription<{ runProgress: { status: string; progress: { done: number; total: number } } }>(
      platform.server.wsUrl,
      `subscription ($runId: ID!) { runProgress(runId: $runId) { status progress { done total } } }`,
      { runId },
    ),
    collectSubscription<{ runCompleted: any }>(
      platform.server.wsUrl,
      `subscription ($runId: ID!) { runCompleted(runId: $runId) { ${RUN_FIELDS} } }`,
      { runId },
    ),
  ]);
  assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
  const last = progress.at(-1)!.runProgress;
  assert.equal(last.status, 'SUCCEEDED');
  assert.equal(last.progress.done, last.progress.total);
  assert.equal(completed.length, 1);
  const run = completed[0].runCompleted;
  assert.equal(run.status, 'SUCCEEDED');
  for (const evaluation of run.evaluations) {
    assert.equal(evaluation.status, 'SUCCEEDED');
    assert.equal(evaluation.failedImages.totalCount, 1);
    assert.deepEqual(
      evaluation.failedImages.edges.map((f: { node: { imageId: string } }) => f.node.imageId),
      ['p-corrupt'],
    );
    assert.match(evaluation.failedImages.edges[0].node.error, /cannot decode/);
    assert.equal(evaluation.queriesUsed, 36);
    assert.ok(evaluation.ci95.low <= evaluation.score && evaluation.score <= evaluation.ci95.high);
    assert.deepEqual(
      evaluation.perCategory.map((c: { category: string }) => c.category),
      ['Color', 'Shape'],
    );
  }
  // The same images through `corrembed embed`, scored by `corrembed score`: the run's score to 1e-4.
  const manifest = JSON.parse(execFileSync('cat', [manifestPath], { encoding: 'utf8' }));
  manifest.images = manifest.images.filter((i: { id: string }) => i.id !== 'p-corrupt');
  const modelPath = modelManifests[0];
  const embedded = JSON.parse(
    execFileSync(
      process.execPath,
      [CLI, 'embed', '--manifest', modelPath, '--json', ...manifest.images.map((i: { uri: string }) => i.uri)],
      { cwd: join(dir, 'dataset'), encoding: 'utf8' },
    ),
  );
  manifest.images.forEach((image: { embedding?: number[] }, i: number) => (image.embedding = embedded.embeddings[i].vector));
  const scorePath = join(dir, 'scored.json');
  writeFileSync(scorePath, JSON.stringify(manifest));
  const cli = JSON.parse(execFileSync(process.execPath, [CLI, 'score', '--dataset', scorePath, '--json'], { encoding: 'utf8' }));
  const platformScore = run.evaluations.find((e: { model: { id: string } }) => e.model.id === modelIds[0]).score;
  assert.ok(Math.abs(cli.score - platformScore) < 1e-4, `cli ${cli.score} vs platform ${platformScore}`);
});

test('runCompleted emits at once for a finished run; leaderboard ranks every model', async () => {
  const runs = await gql<{ runs: { edges: { node: { id: string; status: string } }[] } }>(url, '{ runs { edges { node { id status } } } }');
  const finished = runs.data!.runs.edges.map((e) => e.node).find((r) => r.status === 'SUCCEEDED')!;
  const events = await collectSubscription<{ runCompleted: { id: string; status: string } }>(
    platform.server.wsUrl,
    'subscription ($id: ID!) { runCompleted(runId: $id) { id status } }',
    { id: finished.id },
  );
  assert.deepEqual(events, [{ runCompleted: { id: finished.id, status: 'SUCCEEDED' } }]);
  const board = await gql<{ leaderboard: { edges: { node: { rank: number; score: number; model: { id: string } } }[] } }>(
    url,
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score model { id } } } } }',
    { d: datasetId },
  );
  const entries = board.data!.leaderboard.edges.map((e) => e.node);
  assert.deepEqual(
    entries.map((e) => e.rank),
    [1, 2, 3],
  );
  assert.deepEqual([...entries.map((e) => e.model.id)].sort(), [...modelIds].sort());
  const scores = entries.map((e) => e.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
});

test("the notebook quirks' options travel through GraphQL and each evaluation stores what the quirks changed", async () => {
  const options = {
    preset: 'CORRECTED',
    dropCategories: ['Shape'],
    precision: 'TORCH',
    queries: { sample: 12, seed: 42, sampler: 'PANDAS' },
  };
  const started = await gql<{ startEvaluation: { id: string } }>(
    url,
    START,
    { input: { datasetId, modelIds: modelIds.slice(0, 1), options } },
    KEY,
  );
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const runId = started.data!.startEvaluation.id;
  const OPTIONS = 'metricOptions { preset tagIdentity weightRounding dropCategories precision querySample querySeed querySampler }';
  const [done] = await collectSubscription<{ runCompleted: any }>(
    platform.server.wsUrl,
    `subscription ($id: ID!) { runCompleted(runId: $id) { status ${OPTIONS} evaluations { status queriesUsed notices { quirk count message } } } }`,
    { id: runId },
  );
  const run = done.runCompleted;
  assert.equal(run.status, 'SUCCEEDED');
  const used = run.metricOptions;
  assert.deepEqual(
    [used.preset, used.tagIdentity, used.weightRounding, used.dropCategories, used.precision],
    ['CORRECTED', 'CATEGORY', 'HALF_EVEN', ['Shape'], 'TORCH'],
  );
  assert.deepEqual({ sample: used.querySample, seed: used.querySeed, sampler: used.querySampler }, options.queries);
  const [evaluation] = run.evaluations;
  assert.equal(evaluation.status, 'SUCCEEDED');
  assert.ok(evaluation.queriesUsed <= 12);
  assert.deepEqual(
    evaluation.notices.map((n: { quirk: string }) => n.quirk),
    ['DROP_CATEGORIES'],
  );
  assert.match(evaluation.notices[0].message, /"Shape"/);
});

test('cancelRun stops a run in the middle and leaves a consistent state', async () => {
  const started = await gql<{ startEvaluation: { id: string } }>(
    url,
    START,
    { input: { datasetId, modelIds, options: { roundSimilarity: 3 } } },
    KEY,
  );
  const runId = started.data!.startEvaluation.id;
  const cancelled = await gql<{ cancelRun: { status: string } }>(
    url,
    'mutation ($id: ID!) { cancelRun(id: $id) { status } }',
    { id: runId },
    KEY,
  );
  assert.equal(cancelled.data?.cancelRun.status, 'CANCELLED');
  await platform.runs.drain();
  const run = await gql<{ run: { status: string; evaluations: { status: string }[] } }>(
    url,
    'query ($id: ID!) { run(id: $id) { status evaluations { status } } }',
    { id: runId },
  );
  assert.equal(run.data!.run.status, 'CANCELLED');
  for (const e of run.data!.run.evaluations) assert.ok(['CANCELLED', 'SUCCEEDED'].includes(e.status), e.status);
});

test('bad inputs get typed errors and lose nothing already stored', async () => {
  const LISTS = '{ datasets { edges { node { id } } } models { edges { node { id } } } }';
  const before = await gql(url, LISTS);
  const missing = JSON.parse(execFileSync('cat', [manifestPath], { encoding: 'utf8' }));
  missing.images.push({ id: 'p-missing', item: 'item-corrupt', uri: 'images/nope.png' });
  const missingPath = join(dir, 'dataset', 'missing.json');
  writeFileSync(missingPath, JSON.stringify(missing));
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [IMPORT, { input: { manifestPath: missingPath } }, 'BAD_USER_INPUT', /image file not found: images\/nope\.png/],
    [IMPORT, { input: { manifestPath: join(dir, 'no-such.json') } }, 'NOT_FOUND', /no-such\.json/],
    [
      IMPORT,
      { input: { manifestPath: (writeFileSync(join(dir, 'bad.json'), '{"items": ['), join(dir, 'bad.json')) } },
      'BAD_USER_INPUT',
      /malformed JSON/,
    ],
    [REGISTER, { input: { manifestPath: (await writeTinyModel(join(dir, 'bad-models'), 'rank3')).manifest } }, 'BAD_USER_INPUT', /rank 3/],
    [START, { input: { datasetId: 'nope', modelIds } }, 'NOT_FOUND', /dataset "nope" not found/],
    [START, { input: { datasetId, modelIds: ['nope'] } }, 'NOT_FOUND', /model "nope" not found/],
    [START, { input: { datasetId, modelIds, options: { roundSimilarity: -3 } } }, 'BAD_USER_INPUT', /roundSimilarity/],
    ['mutation { cancelRun(id: "nope") { id } }', {}, 'NOT_FOUND', /run "nope" not found/],
  ];
  for (const [query, variables, code, message] of cases) {
    const result = await gql(url, query, variables, KEY);
    assert.equal(result.errors?.[0].extensions?.code, code, JSON.stringify(result.errors));
    assert.match(result.errors![0].message, message);
    assert.doesNotMatch(JSON.stringify(result.errors), /\.ts:\d+|\.js:\d+|SELECT|INSERT/);
  }
  const unknown = await gql(url, 'query ($d: ID!) { leaderboard(datasetId: $d) { totalCount } }', { d: 'nope' });
  assert.equal(unknown.errors?.[0].extensions?.code, 'NOT_FOUND');
  const afterwards = await gql(url, LISTS);
  assert.deepEqual(afterwards.data, before.data);
});
