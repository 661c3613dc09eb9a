// Faults inside one process's run work: embed workers crashing, identical evaluations at once, cancellation mid-embedding.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { RunEvents } from '../src/events/runEvents.js';
import { BatchStore } from '../src/runs/batchStore.js';
import { RunService } from '../src/runs/runService.js';
import { CountingExecutor } from './support/countingExecutor.js';
import { assertCompleteOnce, storedScores } from './support/runChecks.js';
import { writeToneDataset } from './support/toneDataset.js';
import { forgetVectors, shardCache, storedVectors, vectorCounts } from './support/vectorShards.js';

const IMAGES = 24;
const BATCH = 3;
/** Embed batches and the score batch of a run that starts from an empty cache. */
const BATCHES = IMAGES / BATCH + 1;
const OPTIONS = { correlation: 'spearman', bootstrap: { resamples: 1000, seed: 2 }, retrieval: { k: [1, 5] } };

const dir = mkdtempSync(join(tmpdir(), 'corrembed-faults-'));
let db: Database;
let datasets: DatasetService;
let cache: EmbeddingCache;
let input: { datasetId: string; modelIds: string[]; options: Record<string, unknown> };
/** The stored scores of a clean run (empty cache, no fault). */
let reference: Awaited<ReturnType<typeof storedScores>>;

function service(executor: Executor, log?: (line: string) => void): RunService {
  return new RunService(db.prisma, datasets, cache, executor, new RunEvents(), { batchSize: BATCH, concurrency: 2, leaseSeconds: 30, log });
}

async function evaluate(runs: RunService): Promise<string> {
  const run = await runs.start(input);
  await runs.drain();
  return run.id;
}

before(async () => {
  db = await createTestDatabase();
  datasets = new DatasetService(db.prisma, [dir]);
  cache = shardCache(db.pool);
  const datasetId = (await datasets.importDataset({ manifestPath: await writeToneDataset(join(dir, 'data'), IMAGES) })).id;
  const models = new ModelService(db.prisma, [dir]);
  const modelIds = [(await models.register((await writeDemoModels(join(dir, 'models')))[1])).id];
  input = { datasetId, modelIds, options: OPTIONS };
  const executor = new CountingExecutor(cache);
  try {
    const runId = await evaluate(service(executor));
    await assertCompleteOnce(db.prisma, runId, BATCHES);
    reference = await storedScores(db.prisma, runId);
  } finally {
    await executor.close();
  }
});

after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const mode of ['exit', 'throw'] as const) {
  test(`an embed worker crashing mid-batch (${mode === 'exit' ? 'process.exit' : 'uncaught exception'}) is replaced, the batch retried, the run succeeds`, async () => {
    await forgetVectors(db.pool);
    const marker = join(dir, `crash-${mode}`);
    writeFileSync(marker, '');
    // Only this executor's workers get the hook.
    const executor = new CountingExecutor(cache, 2, `${mode}:${marker}`);
    const logs: string[] = [];
    try {
      const runId = await evaluate(service(executor, (line) => logs.push(line)));
      assert.equal(existsSync(marker), false, 'a worker took the crash');
      assert.match(logs.join('\n'), /embed worker crashed/);
      await assertCompleteOnce(db.prisma, runId, BATCHES);
      const retried = await db.prisma.runBatch.findMany({ where: { runId, attempts: { gt: 1 } } });
      assert.deepEqual(
        retried.map((b) => b.attempts),
        [2],
        'one batch was claimed twice',
      );
      assert.equal(executor.embedded, IMAGES + BATCH, "every image embedded once, the crashed batch's twice");
      assert.equal((await vectorCounts(db.pool)).vectors, IMAGES);
      assert.deepEqual(await storedScores(db.prisma, runId), reference);
    } finally {
      await executor.close();
    }
  });
}

test('two identical evaluations started at once: each image is embedded once, both succeed with the same scores', async () => {
  await forgetVectors(db.pool);
  const executor = new CountingExecutor(cache);
  const runs = service(executor);
  try {
    const started = await Promise.all([runs.start(input), runs.start(input)]);
    await runs.drain();
    assert.equal(executor.embedded, IMAGES, "the second run waited for the first one's embeddings or found them cached");
    assert.equal((await vectorCounts(db.pool)).vectors, IMAGES);
    for (const run of started) {
      await assertCompleteOnce(db.prisma, run.id);
      assert.deepEqual(await storedScores(db.prisma, run.id), reference);
    }
  } finally {
    await executor.close();
  }
});

test('a run cancelled mid-embedding stops consistently; the next evaluation reuses its finished cache entries', async () => {
  await forgetVectors(db.pool);
  const counting = new CountingExecutor(cache);
  let runId = '';
  let calls = 0;
  // Cancels from inside the third embed call: the run is cancelled while batches are in flight.
  const cancelling: Executor = {
    embed: async (task) => {
      if (++calls === 3) await runs.cancel(runId);
      return counting.embed(task);
    },
    close: () => counting.close(),
  };
  const runs = service(cancelling);
  try {
    runId = (await runs.start(input)).id;
    await runs.drain();
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { evaluations: true } });
    assert.equal(run.status, 'cancelled');
    assert.deepEqual(
      run.evaluations.map((e) => [e.status, e.score, e.ciLow, e.queriesUsed]),
      [['cancelled', null, null, null]],
      'no half-written evaluation',
    );
    assert.equal(await db.prisma.runBatch.count({ where: { runId, status: 'leased' } }), 0, 'no lease left behind');
    const done = await db.prisma.runBatch.findMany({ where: { runId, status: 'done' } });
    assert.equal(
      await new BatchStore(db.prisma, 30).progressDone(runId),
      done.reduce((sum, b) => sum + b.imageIds.length, 0),
      'progress counts exactly the finished batches',
    );
    assert.ok(run.progressDone <= IMAGES, 'the progress reached when cancelled is recorded');
    // storedVectors reads every shard and checks it against its record: no partial file is recorded.
    const cached = (await storedVectors(db.pool)).length;
    assert.ok(cached > 0 && cached < IMAGES, `the cancelled run left ${cached} of ${IMAGES} vectors`);

    const before = counting.embedded;
    const next = await evaluate(service(counting));
    assert.equal(counting.embedded - before, IMAGES - cached, 'only the images the cancelled run did not embed are embedded');
    await assertCompleteOnce(db.prisma, next, Math.ceil((IMAGES - cached) / BATCH) + 1);
    assert.deepEqual(await storedScores(db.prisma, next), reference);
  } finally {
    await counting.close();
  }
});
