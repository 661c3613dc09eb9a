// Runs through the services against the real PostgreSQL: cache reuse, several processes on one run, leases taken over.
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
import { BatchStore } from '../src/runs/batchStore.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import { CountingExecutor } from './support/countingExecutor.js';
import { writeToneDataset } from './support/toneDataset.js';
import { shardCache, vectorCounts } from './support/vectorShards.js';

const dir = mkdtempSync(join(tmpdir(), 'corrembed-runs-'));
let db: Database;
let executor: CountingExecutor;
let runs: RunService;
let datasetId: string;
let modelId: string;
let otherModelIds: string[];
let datasets: DatasetService;
let cache: EmbeddingCache;

before(async () => {
  db = await createTestDatabase();
  const manifestPath = await writeToneDataset(dir, 12);
  datasets = new DatasetService(db.prisma, [dir]);
  const models = new ModelService(db.prisma, [dir]);
  datasetId = (await datasets.importDataset({ manifestPath })).id;
  const demoModels = await writeDemoModels(join(dir, 'models'));
  modelId = (await models.register(demoModels[2])).id;
  otherModelIds = [(await models.register(demoModels[0])).id, (await models.register(demoModels[1])).id];
  cache = shardCache(db.pool);
  executor = new CountingExecutor(cache);
  runs = new RunService(db.prisma, datasets, cache, executor, new RunEvents(), { batchSize: 5, concurrency: 2, leaseSeconds: 30 });
});

after(async () => {
  await executor?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function evaluate(): Promise<number> {
  const run = await runs.start({ datasetId, modelIds: [modelId] });
  await runs.drain();
  const evaluation = await db.prisma.evaluation.findFirstOrThrow({ where: { runId: run.id } });
  assert.equal(evaluation.status, 'succeeded', evaluation.error ?? '');
  const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
  assert.equal(finished.progressDone, 12);
  return evaluation.score!;
}

test('a second evaluation of the same model on the same images runs no inference and scores the same', async () => {
  const first = await evaluate();
  assert.equal(executor.embedded, 12);
  const second = await evaluate();
  assert.equal(executor.embedded, 12, 'the second run must be served from the cache');
  assert.equal(second, first);
  const cached = (await vectorCounts(db.pool)).vectors;
  assert.equal(cached, 12);
});

/** Another "process" on the same database: its own executor, lease owner and settings. */
function secondProcess(leaseSeconds: number): { runs: RunService; executor: CountingExecutor } {
  const other = new CountingExecutor(cache);
  return {
    executor: other,
    runs: new RunService(db.prisma, datasets, cache, other, new RunEvents(), { batchSize: 2, concurrency: 2, leaseSeconds }),
  };
}

test('two processes share one run: every batch is embedded once, progress is counted once', async () => {
  const b = secondProcess(30);
  try {
    const before = executor.embedded;
    const run = await runs.start({ datasetId, modelIds: [otherModelIds[0]] });
    assert.equal(await b.runs.resumePending(), 1, 'the second process joins the running run');
    await Promise.all([runs.drain(), b.runs.drain()]);
    const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { evaluations: true } });
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
    assert.equal(finished.progressDone, 12);
    assert.equal(executor.embedded - before + b.executor.embedded, 12, 'no image embedded twice');
    const batches = await db.prisma.runBatch.findMany({ where: { runId: run.id } });
    assert.ok(batches.every((batch) => batch.status === 'done' && batch.attempts === 1));
  } finally {
    await b.executor.close();
  }
});

test('a batch leased by a process that died is taken over once its lease runs out', async () => {
  const recorder = new RunService(db.prisma, datasets, cache, null, new RunEvents(), {
    batchSize: 4,
    concurrency: 1,
    leaseSeconds: 30,
    driveRuns: false,
  });
  const run = await recorder.start({ datasetId, modelIds: [otherModelIds[1]] });
  assert.equal(
    (await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).status,
    'queued',
    'a process that does not drive runs only records them',
  );
  const evaluation = await db.prisma.evaluation.findFirstOrThrow({ where: { runId: run.id } });
  const images = await db.prisma.image.findMany({ where: { datasetId }, orderBy: { position: 'asc' }, select: { id: true } });
  // The "dead" process planned the run and claimed its first batch with a one-second lease, then vanished.
  const ghost = new BatchStore(db.prisma, 1);
  assert.equal(await ghost.plan(run.id, evaluation.id, [images.slice(0, 6).map((i) => i.id), images.slice(6).map((i) => i.id)], 0), true);
  assert.equal(await ghost.plan(run.id, evaluation.id, [], 0), false, 'an evaluation is planned once');
  const stolen = await ghost.claim(run.id);
  assert.equal(stolen?.index, 0);
  const b = secondProcess(30);
  try {
    await b.runs.resumePending();
    await b.runs.drain();
    const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
    assert.equal(finished.progressDone, 12);
    const taken = await db.prisma.runBatch.findUniqueOrThrow({ where: { id: stolen!.id } });
    assert.equal(taken.attempts, 2);
    assert.equal(await ghost.complete(stolen!, {}), false, 'the dead process can no longer complete it');
    assert.equal(await ghost.progressDone(run.id), 12, 'counted from the batches: still once per image');
  } finally {
    await b.executor.close();
  }
});

test('a run recorded by a process that does not drive runs is joined at once by one that does, through its queued event', async () => {
  const events = new RunEvents();
  const b = new CountingExecutor(cache);
  const driver = new RunService(db.prisma, datasets, cache, b, events, { batchSize: 3, concurrency: 2, leaseSeconds: 30 });
  const recorder = new RunService(db.prisma, datasets, cache, null, events, {
    batchSize: 3,
    concurrency: 1,
    leaseSeconds: 30,
    driveRuns: false,
  });
  try {
    const run = await recorder.start({ datasetId, modelIds: [modelId], options: { correlation: 'spearman' } });
    await driver.drain();
    const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
  } finally {
    await b.close();
  }
});
