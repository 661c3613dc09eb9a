// Two API instances on one database: a run recorded by one and driven by the other pushes progress to both (LISTEN/NOTIFY) and refreshes both leaderboards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { collectSubscription, gql } from './support/platformClient.js';
import { writeToneDataset } from './support/toneDataset.js';

const KEY = 'events-test-admin-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'corrembed-events-'));
const databaseUrl = uniqueTestDatabaseUrl();
/** Records runs and serves subscriptions, never works on runs (like the api function beside the service). */
let recorder: Platform;
/** Drives every run it finds. */
let driver: Platform | undefined;
const base = {
  ...loadConfig({ CORREMBED_DATA_ROOTS: dir }),
  port: 0,
  databaseUrl,
  adminKey: KEY,
  workers: 1,
  batchSize: 2,
  leaseSeconds: 4,
};

before(async () => {
  recorder = await startPlatform({ ...base, dataDir: join(dir, 'a'), driveRuns: false }, () => undefined);
});

after(async () => {
  await recorder?.close();
  await driver?.close();
  await dropDatabase(databaseUrl);
  rmSync(dir, { recursive: true, force: true });
});

test('subscribers on one instance see the progress and completion of a run another instance works on', async () => {
  const api = recorder.server.url;
  const manifestPath = await writeToneDataset(join(dir, 'data'), 16);
  const datasetId = (
    await gql<{ importDataset: { id: string } }>(
      api,
      'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
      { p: manifestPath },
      KEY,
    )
  ).data!.importDataset.id;
  const [modelPath] = await writeDemoModels(join(dir, 'models'));
  const modelId = (
    await gql<{ registerModel: { id: string } }>(
      api,
      'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }',
      { p: modelPath },
      KEY,
    )
  ).data!.registerModel.id;
  const started = await gql<{ startEvaluation: { id: string; status: string } }>(
    api,
    'mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id status } }',
    { i: { datasetId, modelIds: [modelId] } },
    KEY,
  );
  const runId = started.data!.startEvaluation.id;
  assert.equal(started.data!.startEvaluation.status, 'QUEUED');

  const board = async () =>
    (
      await gql<{ leaderboard: { edges: { node: { score: number } }[] } }>(
        api,
        'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { score } } } }',
        { d: datasetId },
      )
    ).data!.leaderboard.edges.map((e) => e.node);
  assert.deepEqual(await board(), []);
  const completedQuery = 'subscription ($id: ID!) { runCompleted(runId: $id) { status evaluations { score } } }';
  const subscriptions = Promise.all([
    collectSubscription<{ runProgress: { status: string; progress: { done: number } } }>(
      recorder.server.wsUrl,
      'subscription ($id: ID!) { runProgress(runId: $id) { status progress { done } } }',
      { id: runId },
    ),
    collectSubscription<{ runCompleted: { status: string; evaluations: { score: number | null }[] } }>(
      recorder.server.wsUrl,
      completedQuery,
      { id: runId },
    ),
    collectSubscription<{ runCompleted: { status: string; evaluations: { score: number | null }[] } }>(
      recorder.server.wsUrl,
      completedQuery,
      { id: runId },
    ),
  ]);
  // The driver starts once the subscriptions are open: it finds the queued run and works on it alone, so every update
  // after the first reached the recorder through PostgreSQL.
  await new Promise((resolve) => setTimeout(resolve, 300));
  driver = await startPlatform({ ...base, dataDir: join(dir, 'b') }, () => undefined);
  const [progress, completed, alsoCompleted] = await subscriptions;
  assert.equal(progress[0].runProgress.status, 'QUEUED');
  assert.ok(progress.length >= 4, `expected several progress events, got ${progress.length}`);
  assert.equal(progress.at(-1)!.runProgress.status, 'SUCCEEDED');
  assert.equal(progress.at(-1)!.runProgress.progress.done, 16);
  assert.equal(completed.length, 1);
  assert.equal(completed[0].runCompleted.status, 'SUCCEEDED');
  assert.equal(typeof completed[0].runCompleted.evaluations[0].score, 'number');
  assert.deepEqual(alsoCompleted, completed);
  // The recorder's cached (empty) leaderboard was dropped by the events the driver sent.
  assert.deepEqual(await board(), [{ score: completed[0].runCompleted.evaluations[0].score }]);
});
