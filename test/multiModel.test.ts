// Several models of mixed recipes in one run: shared embed tasks store and score exactly as one model at a time, locally and through Lambda.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LambdaConfig } from '../src/config.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import type { EmbedTask, Executor } from '../src/executors/executor.js';
import { startInvokeHost, type InvokeHost } from '../src/executors/invokeHost.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import { LocalExecutor } from '../src/executors/localExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { BatchStore } from '../src/runs/batchStore.js';
import { RunService } from '../src/runs/runService.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime } from '../src/serverless/functionRuntime.js';
import { assertCompleteOnce, storedScores } from './support/runChecks.js';
import { writeTinyModel } from './support/tinyModels.js';
import { localLambdaConfig } from './support/lambdaConfig.js';
import { createSide, type Side } from './support/evaluationSide.js';
import { writeToneDataset } from './support/toneDataset.js';
import { forgetVectors, storedVectors } from './support/vectorShards.js';

const IMAGES = 12;
const BATCH = 4;
const OPTIONS = { perCategory: true, bootstrap: { resamples: 1000, seed: 3 }, retrieval: { k: [1, 5] } };

const dir = mkdtempSync(join(tmpdir(), 'corrembed-multimodel-'));
process.env.CORREMBED_DATA_ROOTS = dir;

let manifestPath: string;
/** Three demo models (32 px, NCHW), two tiny convs (16 px of 20, NCHW) and a tiny NHWC one: three preprocessing hashes. */
let modelManifests: string[];
let single: Side;
let grouped: Side;
let remote: Side;
let host: InvokeHost;
/** The one-model-at-a-time reference: every stored score and cache entry. */
let reference: { scores: Awaited<ReturnType<typeof storedScores>>; cache: string[] };

function side(): Promise<Side> {
  return createSide(manifestPath, modelManifests, { datasets: [dir], models: [dir] });
}

/** An executor that records every task it is given (how the tests see that models were embedded together). */
function recording(inner: Executor): Executor & { tasks: EmbedTask[] } {
  const tasks: EmbedTask[] = [];
  return { tasks, embed: (task) => (tasks.push(task), inner.embed(task)), close: () => inner.close() };
}

function service(on: Side, executor: Executor, modelsPerBatch?: number): RunService {
  return new RunService(on.db.prisma, on.datasets, on.cache, executor, new RunEvents(), {
    batchSize: BATCH,
    concurrency: 4,
    leaseSeconds: 30,
    modelsPerBatch,
  });
}

async function evaluate(runs: RunService, on: Side, modelIds: string[]): Promise<string> {
  const run = await runs.start({ datasetId: on.datasetId, modelIds, options: OPTIONS });
  await runs.drain();
  return run.id;
}

/** Every cache entry as text (model, recipe, image, vector bytes), sorted. */
async function cacheRows(on: Side): Promise<string[]> {
  return storedVectors(on.db.pool);
}

/** A model row in `on` that loads `onnx` (a file the registry would refuse) under a fresh cache key, for the run to fail on. */
async function brokenModel(on: Side, onnx: string): Promise<string> {
  const {
    id: _id,
    createdAt: _createdAt,
    preprocess,
    ...model
  } = await on.db.prisma.model.findUniqueOrThrow({
    where: { id: on.modelIds[3] },
  });
  const data = {
    ...model,
    preprocess: preprocess as object,
    name: 'spatial-output',
    onnxPath: onnx,
    onnxHash: 'broken-model',
    outputName: 'map',
  };
  return (await on.db.prisma.model.create({ data })).id;
}

function lambdaConfig(overrides: Partial<LambdaConfig> = {}): LambdaConfig {
  return localLambdaConfig(host.endpoint, overrides);
}

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  manifestPath = await writeToneDataset(join(dir, 'data'), IMAGES);
  const demo = await writeDemoModels(join(dir, 'models'));
  const tiny = join(dir, 'models');
  modelManifests = [
    ...demo,
    (await writeTinyModel(tiny, 'conv', { name: 'tiny-a', seed: 7 })).manifest,
    (await writeTinyModel(tiny, 'conv', { name: 'tiny-b', seed: 11 })).manifest,
    (await writeTinyModel(tiny, 'nhwc', { name: 'tiny-nhwc', seed: 5 })).manifest,
  ];
  await writeTinyModel(tiny, 'spatial');
  [single, grouped, remote] = [await side(), await side(), await side()];
  // The handlers run in this process and open the Lambda side's database, as a function container would.
  process.env.DATABASE_URL = remote.db.url;
  // Throttles, function errors and duplicate deliveries through the run: none may change a score or count twice.
  host = await startInvokeHost({
    functions: { embed: handleEmbed, aggregate: handleAggregate },
    fault: (_name, n) => (n % 5 === 1 ? 'throttle' : n % 5 === 3 ? 'duplicate' : n % 7 === 4 ? 'error' : null),
  });
  const executor = recording(new LocalExecutor(2, single.cache));
  try {
    const runs = service(single, executor);
    const scores = [];
    for (const modelId of single.modelIds) {
      const runId = await evaluate(runs, single, [modelId]);
      await assertCompleteOnce(single.db.prisma, runId);
      scores.push(...(await storedScores(single.db.prisma, runId)));
    }
    reference = { scores, cache: await cacheRows(single) };
    assert.ok(executor.tasks.every((task) => task.models.length === 1));
  } finally {
    await executor.close();
  }
});

after(async () => {
  await host?.close();
  await closeFunctionRuntime();
  for (const on of [single, grouped, remote]) await on?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The scores of a run, in model-name order, as the reference lists them (one run per model). */
async function scoresOf(on: Side, runId: string) {
  return (await storedScores(on.db.prisma, runId)).sort((a, b) => a.model.localeCompare(b.model));
}

const byName = () => [...reference.scores].sort((a, b) => a.model.localeCompare(b.model));

test('a mixed-recipe run through the local executor embeds the models of a recipe together and stores and scores exactly as one model at a time', async () => {
  const executor = recording(new LocalExecutor(2, grouped.cache));
  try {
    const runId = await evaluate(service(grouped, executor), grouped, grouped.modelIds);
    await assertCompleteOnce(grouped.db.prisma, runId);
    assert.deepEqual(await scoresOf(grouped, runId), byName());
    assert.deepEqual(await cacheRows(grouped), reference.cache);
    const sizes = executor.tasks.map((task) => task.models.length).sort();
    assert.deepEqual(new Set(sizes), new Set([1, 2, 3]), 'three demo models together, two tiny convs together, the NHWC one alone');
    assert.equal(executor.tasks.length, 3 * (IMAGES / BATCH), 'one task per recipe and batch of images');
  } finally {
    await executor.close();
  }
});

test('the same run through Lambda (throttled, failing and duplicated invocations) stores and scores exactly as one model at a time', async () => {
  const executor = recording(new LambdaExecutor(lambdaConfig()));
  try {
    const runId = await evaluate(service(remote, executor), remote, remote.modelIds);
    await assertCompleteOnce(remote.db.prisma, runId);
    assert.deepEqual(await scoresOf(remote, runId), byName());
    assert.deepEqual(await cacheRows(remote), reference.cache);
    assert.ok(
      executor.tasks.some((task) => task.models.length === 3),
      'one invocation carries several models',
    );
    assert.ok(host.faults.duplicate > 0 && host.faults.throttle > 0 && host.faults.error > 0, 'faults were injected');
  } finally {
    await executor.close();
  }
});

for (const engine of ['local', 'lambda'] as const) {
  test(`through the ${engine} executor, a model that cannot load fails only its own evaluation; its recipe's other models score as alone`, async () => {
    const on = engine === 'local' ? grouped : remote;
    await forgetVectors(on.db.pool);
    const broken = await brokenModel(on, join(dir, 'models', 'spatial.onnx'));
    const executor = recording(engine === 'local' ? new LocalExecutor(2, on.cache) : new LambdaExecutor(lambdaConfig()));
    try {
      const runId = await evaluate(service(on, executor), on, [on.modelIds[3], broken, on.modelIds[4]]);
      const run = await on.db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
      assert.equal(run.status, 'failed');
      assert.match(run.error ?? '', /^model spatial-output: .*expected one vector per image/);
      const scores = await scoresOf(on, runId);
      assert.equal(scores.find((s) => s.model === 'spatial-output')?.status, 'failed');
      const good = scores.filter((s) => s.model !== 'spatial-output');
      assert.deepEqual(
        good,
        byName().filter((s) => s.model === 'tiny-a' || s.model === 'tiny-b'),
      );
      assert.ok(
        executor.tasks.some((task) => task.models.length === 3),
        'the broken model was embedded together with the good ones',
      );
    } finally {
      await executor.close();
      await on.db.prisma.evaluation.deleteMany({ where: { modelId: broken } });
      await on.db.prisma.model.delete({ where: { id: broken } });
    }
  });
}

test('a multi-model task whose worker crashes is retried whole; each batch is completed and counted once', async () => {
  await forgetVectors(grouped.db.pool);
  const marker = join(dir, 'crash');
  writeFileSync(marker, '');
  const executor = recording(new LocalExecutor(2, grouped.cache, { crashHook: `exit:${marker}` }));
  try {
    const demo = grouped.modelIds.slice(0, 3);
    const runId = await evaluate(service(grouped, executor), grouped, demo);
    assert.equal(existsSync(marker), false, 'a worker took the crash');
    await assertCompleteOnce(grouped.db.prisma, runId, 3 * (IMAGES / BATCH + 1));
    const retried = await grouped.db.prisma.runBatch.findMany({ where: { runId, attempts: { gt: 1 } } });
    assert.ok(retried.length >= 3, 'the crashed task held the batches of three models');
    assert.ok(
      retried.every((b) => b.attempts === 2),
      'each claimed twice, no more',
    );
    const scores = await scoresOf(grouped, runId);
    assert.deepEqual(
      scores,
      byName().filter((s) => s.model.startsWith('demo-')),
    );
  } finally {
    await executor.close();
  }
});

test('a stale claim of a multi-model batch, taken over after its lease ran out, completes nothing and adds no progress', async () => {
  const recorder = new RunService(grouped.db.prisma, grouped.datasets, grouped.cache, null, new RunEvents(), {
    batchSize: BATCH,
    concurrency: 1,
    leaseSeconds: 30,
    driveRuns: false,
  });
  const run = await recorder.start({ datasetId: grouped.datasetId, modelIds: grouped.modelIds.slice(0, 3), options: OPTIONS });
  await forgetVectors(grouped.db.pool);
  const evaluations = await grouped.db.prisma.evaluation.findMany({ where: { runId: run.id }, orderBy: { id: 'asc' } });
  const images = await grouped.db.prisma.image.findMany({
    where: { datasetId: grouped.datasetId },
    orderBy: { position: 'asc' },
    select: { id: true },
  });
  // A process that planned the run, claimed a batch of all three models with a one-second lease, and stalled.
  const ghost = new BatchStore(grouped.db.prisma, 1);
  const chunks = [images.slice(0, 6).map((i) => i.id), images.slice(6).map((i) => i.id)];
  for (const evaluation of evaluations) await ghost.plan(run.id, evaluation.id, chunks, 0);
  const stale = await ghost.claimGroup(run.id, 8);
  assert.equal(stale.length, 3, 'the batches of the three models over the same images');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const executor = new LocalExecutor(2, grouped.cache);
  try {
    const runs = service(grouped, executor);
    await runs.resumePending();
    await runs.drain();
    await assertCompleteOnce(grouped.db.prisma, run.id, 3 * 3);
    const progress = await ghost.progressDone(run.id);
    const late = await ghost.completeEmbeds(
      stale.map((batch) => ({ batch, failed: [], computedImages: 0, embedSeconds: 0 })),
      [],
    );
    assert.equal(late, 0, 'the stalled process completes none of the batches taken over');
    assert.equal(await ghost.progressDone(run.id), progress);
  } finally {
    await executor.close();
  }
});
