// Function timeouts beyond the Lambda executor's own tries (test/lambda.test.ts covers timeouts a retry absorbs): the batch is claimed again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import type { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import type { Executor } from '../src/executors/executor.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime } from '../src/serverless/functionRuntime.js';
import { startInvokeHost, type InvokeHost } from '../src/executors/invokeHost.js';
import { CountingExecutor } from './support/countingExecutor.js';
import { assertCompleteOnce, storedScores } from './support/runChecks.js';
import { writeToneDataset } from './support/toneDataset.js';
import { forgetVectors, shardCache, vectorCounts } from './support/vectorShards.js';

const IMAGES = 12;
const BATCH = 4;

const dir = mkdtempSync(join(tmpdir(), 'corrembed-faults-lambda-'));
// The handlers run in this process and read only under the data roots, as a function container does.
process.env.CORREMBED_DATA_ROOTS = dir;
let db: Database;
let datasets: DatasetService;
let cache: EmbeddingCache;
let host: InvokeHost;
let input: { datasetId: string; modelIds: string[] };

async function evaluate(executor: Executor): Promise<string> {
  // One lane: the first two invocations of each function belong to one batch.
  const runs = new RunService(db.prisma, datasets, cache, executor, new RunEvents(), {
    batchSize: BATCH,
    concurrency: 1,
    leaseSeconds: 30,
  });
  const run = await runs.start(input);
  await runs.drain();
  return run.id;
}

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  db = await createTestDatabase();
  datasets = new DatasetService(db.prisma, [dir]);
  cache = shardCache(db.pool);
  input = {
    datasetId: (await datasets.importDataset({ manifestPath: await writeToneDataset(join(dir, 'data'), IMAGES) })).id,
    modelIds: [(await new ModelService(db.prisma, [dir]).register((await writeDemoModels(join(dir, 'models')))[0])).id],
  };
  // The handlers run in this process on the test database, as function containers would.
  process.env.DATABASE_URL = db.url;
  // The first two invocations of embed and of aggregate answer after the caller gave up (their work still lands).
  host = await startInvokeHost({
    functions: { embed: handleEmbed, aggregate: handleAggregate },
    fault: (_name, n) => (n <= 2 ? 'timeout' : null),
    timeoutDelayMs: 4000,
  });
});

after(async () => {
  await host?.close();
  await closeFunctionRuntime();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("embed and aggregate timing out on every try: the batch is claimed again, late answers change nothing, the scores are a clean local run's", async () => {
  const lambda = new LambdaExecutor({
    embedFunction: 'embed',
    aggregateFunction: 'aggregate',
    region: 'us-east-1',
    endpoint: host.endpoint,
    gpuEndpoint: undefined,
    concurrency: 2,
    shards: 1,
    timeoutMs: 2000,
    maxAttempts: 2,
  });
  let runId: string;
  try {
    runId = await evaluate(lambda);
  } finally {
    await lambda.close();
  }
  assert.equal(host.faults.timeout, 4);
  assert.equal(lambda.stats.timeouts, 4);
  await assertCompleteOnce(db.prisma, runId, IMAGES / BATCH + 1);
  const twice = await db.prisma.runBatch.findMany({
    where: { runId, attempts: 2 },
    orderBy: { kind: 'asc' },
    select: { kind: true, index: true },
  });
  assert.deepEqual(
    twice,
    [
      { kind: 'embed', index: 0 },
      { kind: 'score', index: 0 },
    ],
    'the first embed batch and the score batch were claimed again',
  );
  assert.equal((await vectorCounts(db.pool)).entries, IMAGES, 'late answers wrote nothing twice');

  await forgetVectors(db.pool);
  const local = new CountingExecutor(cache);
  try {
    const clean = await evaluate(local);
    assert.deepEqual(await storedScores(db.prisma, runId), await storedScores(db.prisma, clean));
  } finally {
    await local.close();
  }
});
