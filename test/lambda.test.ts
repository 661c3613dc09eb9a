// The Lambda path end to end: the real @aws-sdk/client-lambda against a local Invoke endpoint running the real handlers, with faults.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ModelService } from '../src/catalog/modelService.js';
import type { LambdaConfig } from '../src/config.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { ensureAdminKey } from '../src/api/apiKeys.js';
import type { Executor } from '../src/executors/executor.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import { LocalExecutor } from '../src/executors/localExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleApi } from '../src/serverless/apiFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime } from '../src/serverless/functionRuntime.js';
import { useModelCacheDir } from '../src/storage/storageSettings.js';
import { useS3Settings } from '../src/storage/storageSettings.js';
import { startInvokeHost, type Fault, type InvokeHost } from '../src/executors/invokeHost.js';
import { storedScores } from './support/runChecks.js';
import { type S3Host, startS3Host } from './support/s3Host.js';
import { localLambdaConfig } from './support/lambdaConfig.js';
import { createSide, type Side } from './support/evaluationSide.js';
import { writeToneDataset } from './support/toneDataset.js';
import { vectorCounts } from './support/vectorShards.js';

const OPTIONS = { perCategory: true, bootstrap: { resamples: 1000, seed: 3 }, retrieval: { k: [1, 5] }, baselines: { seed: 5 } };
const IMAGES = 30;

// Two sides (support/evaluationSide.ts) hold the same dataset and models: one scored by the local executor, one through Lambda.
const dir = mkdtempSync(join(tmpdir(), 'corrembed-lambda-'));
// The handlers run in this process and read only under the data roots, as a function container does.
process.env.CORREMBED_DATA_ROOTS = `${dir},s3://catalogue/,s3://models/`;
let local: Side;
let remote: Side;
let host: InvokeHost;
/** The S3 endpoint of the functions: the Lambda side's embedding shards, and the S3 images and model of the last test. */
let s3: S3Host;
let manifestPath: string;
let modelPaths: string[];

function side(manifestPath: string, modelPaths: string[]): Promise<Side> {
  return createSide(manifestPath, modelPaths, { datasets: [dir, 's3://catalogue/'], models: [dir] });
}

/** Faults by invocation number: throttles, function errors, late answers and duplicate deliveries, all through the run. */
function faultPlan(name: string, n: number): Fault | null {
  if (n % 7 === 1) return 'throttle';
  if (n % 7 === 3) return 'error';
  if (n % 7 === 5) return 'duplicate';
  if (name === 'embed' && n === 4) return 'timeout';
  if (name === 'aggregate' && n === 2) return 'timeout';
  return null;
}

function lambdaConfig(overrides: Partial<LambdaConfig> = {}): LambdaConfig {
  return localLambdaConfig(host.endpoint, overrides);
}

async function evaluate(on: Side, executor: Executor, modelIds = on.modelIds) {
  const runs = new RunService(on.db.prisma, on.datasets, on.cache, executor, new RunEvents(), {
    batchSize: 4,
    concurrency: 4,
    leaseSeconds: 30,
  });
  const run = await runs.start({ datasetId: on.datasetId, modelIds, options: OPTIONS });
  await runs.drain();
  return on.db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { evaluations: { orderBy: { modelId: 'asc' } } } });
}

/** A registered model's copy under another cache key (so nothing is cached for it), with overrides. */
async function modelVariant(overrides: { name: string; onnxHash: string; onnxPath?: string }): Promise<string> {
  const { id: _id, createdAt: _createdAt, preprocess, ...model } = await remote.db.prisma.model.findFirstOrThrow();
  return (await remote.db.prisma.model.create({ data: { ...model, preprocess: preprocess as object, ...overrides } })).id;
}

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  s3 = await startS3Host();
  // The functions write shards to a bucket, as in AWS; this process (the coordinator) reads them there.
  process.env.CORREMBED_S3_ENDPOINT = s3.endpoint;
  process.env.CORREMBED_VECTOR_STORE = 's3://vectors/lambda';
  useS3Settings({ region: 'us-east-1', endpoint: s3.endpoint });
  manifestPath = await writeToneDataset(join(dir, 'data'), IMAGES);
  modelPaths = (await writeDemoModels(join(dir, 'models'))).slice(0, 2);
  local = await side(manifestPath, modelPaths);
  remote = await side(manifestPath, modelPaths);
  // The handlers run in this process and open the Lambda side's database, as a function container would.
  process.env.DATABASE_URL = remote.db.url;
  host = await startInvokeHost({ functions: { embed: handleEmbed, aggregate: handleAggregate }, fault: faultPlan, timeoutDelayMs: 2500 });
});

after(async () => {
  await host?.close();
  await closeFunctionRuntime();
  useS3Settings({ region: 'us-east-1', endpoint: undefined });
  await s3?.close();
  await local?.db.close();
  await remote?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("through Lambda, with throttling, function errors, timeouts and duplicate deliveries, the scores equal the local executor's", async () => {
  const localExecutor = new LocalExecutor(2, local.cache);
  const expected = await evaluate(local, localExecutor);
  await localExecutor.close();
  assert.equal(expected.status, 'succeeded', expected.error ?? '');

  const executor = new LambdaExecutor(lambdaConfig());
  const actual = await evaluate(remote, executor);
  await executor.close();
  assert.equal(actual.status, 'succeeded', actual.error ?? '');
  assert.deepEqual(
    await storedScores(remote.db.prisma, actual.id),
    await storedScores(local.db.prisma, expected.id),
    'every stored number of every evaluation',
  );
  assert.equal(actual.progressDone, IMAGES * 2);

  for (const fault of ['throttle', 'error', 'timeout', 'duplicate'] as const) assert.ok(host.faults[fault] > 0, `no ${fault} was injected`);
  assert.ok(executor.stats.retries >= host.faults.throttle + host.faults.error + host.faults.timeout);
  assert.ok((host.invocations.get('aggregate') ?? 0) >= 3, 'scoring was fanned out to aggregate invocations');
  // Idempotent writes: duplicated and retried batches left one vector per image and model, in shards in the bucket.
  assert.equal((await vectorCounts(remote.db.pool)).vectors, IMAGES * 2);
  const shards = await remote.db.pool.query<{ location: string }>('SELECT location FROM "EmbeddingShard"');
  assert.ok(shards.rows.length > 0 && shards.rows.every((s) => s.location.startsWith('s3://vectors/lambda/')));
  assert.ok(s3.requests.some((r) => r.startsWith('PUT /vectors/lambda/')));
  assert.equal(await remote.db.prisma.embeddingCacheEntry.count(), 0, 'no vector in a table');
  const batches = await remote.db.prisma.runBatch.findMany({ where: { runId: actual.id } });
  assert.ok(batches.every((b) => b.status === 'done'));
});

test('a function that does not exist fails the evaluation at once with a clear error', async () => {
  const executor = new LambdaExecutor(lambdaConfig({ embedFunction: 'no-such-function' }));
  const model = await modelVariant({ name: 'renamed', onnxHash: 'not-cached' });
  const run = await evaluate(remote, executor, [model]);
  await executor.close();
  assert.equal(run.status, 'failed');
  assert.match(run.evaluations[0].error ?? '', /lambda function "no-such-function" not found/);
});

test('a function that always errors is retried, then the evaluation fails without losing the run', async () => {
  const broken = await startInvokeHost({
    functions: {
      broken: async () => {
        throw new Error('out of memory');
      },
    },
  });
  const brokenExecutor = new LambdaExecutor(lambdaConfig({ embedFunction: 'broken', endpoint: broken.endpoint, maxAttempts: 2 }));
  const model = await modelVariant({ name: 'broken', onnxHash: 'never-cached' });
  const run = await evaluate(remote, brokenExecutor, [model]);
  await brokenExecutor.close();
  await broken.close();
  assert.equal(run.status, 'failed');
  assert.match(run.evaluations[0].error ?? '', /internal error/);
  assert.ok(brokenExecutor.stats.functionErrors >= 2 * 5, 'each batch was tried maxAttempts times per claim, over several claims');
});

test('a model the function cannot load is a user error: not retried, reported on the evaluation', async () => {
  const executor = new LambdaExecutor(lambdaConfig());
  const model = await modelVariant({ name: 'gone', onnxPath: join(dir, 'missing.onnx'), onnxHash: 'missing' });
  const before = executor.stats.invocations;
  const run = await evaluate(remote, executor, [model]);
  await executor.close();
  assert.equal(run.status, 'failed');
  assert.match(run.evaluations[0].error ?? '', /missing\.onnx/);
  assert.ok(executor.stats.invocations - before <= 8, 'user errors are not retried');
});

test('the embed handler reads no model file or image folder outside the data roots, whatever its payload says', async () => {
  const task = (onnxPath: string, baseDir: string) => ({
    models: [{ name: 'thief', onnxPath, onnxHash: 'h', preprocessHash: 'p', outputName: 'embedding', preprocess: {} }],
    baseDir,
    images: [{ id: 'a', uri: 'hostname' }],
  });
  const inside = join(dir, 'data');
  for (const [onnxPath, baseDir, what] of [
    ['/etc/hostname', inside, 'model file'],
    [join(dir, '..', 'elsewhere.onnx'), inside, 'model file'],
    [modelPaths[0], '/etc', 'image folder'],
    [modelPaths[0], 's3://other-bucket/tones/', 'image folder'],
  ]) {
    const answer = await handleEmbed(task(onnxPath, baseDir));
    assert.equal(answer.ok, false, `${onnxPath} ${baseDir}`);
    assert.match(
      answer.ok ? '' : answer.error.message,
      new RegExp(`^embed task: ${what} .*: outside the folders this server reads manifests from \\(CORREMBED_DATA_ROOTS\\)$`),
    );
  }
});

test('with an embed endpoint (a GPU pool speaking the Invoke contract), embed calls go there and aggregation stays on Lambda', async () => {
  const pool = await startInvokeHost({ functions: { embed: handleEmbed } });
  const executor = new LambdaExecutor(lambdaConfig({ gpuEndpoint: pool.endpoint }));
  const embedsBefore = host.invocations.get('embed') ?? 0;
  const aggregatesBefore = host.invocations.get('aggregate') ?? 0;
  const run = await evaluate(remote, executor, [await modelVariant({ name: 'on the pool', onnxHash: 'gpu-pool' })]);
  await executor.close();
  await pool.close();
  assert.equal(run.status, 'succeeded', run.evaluations[0].error ?? '');
  assert.ok((pool.invocations.get('embed') ?? 0) >= IMAGES / 4);
  assert.equal(host.invocations.get('embed') ?? 0, embedsBefore);
  assert.ok((host.invocations.get('aggregate') ?? 0) > aggregatesBefore);
});

test('the api function answers GraphQL over an HTTP API event and records runs for the service to drive', async () => {
  const key = 'lambda-test-admin-key-0123456789';
  await ensureAdminKey(remote.db.prisma, key);
  const call = async (query: string, variables: Record<string, unknown> = {}) => {
    const event = {
      version: '2.0',
      routeKey: 'POST /graphql',
      rawPath: '/graphql',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      requestContext: { http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
      body: JSON.stringify({ query, variables }),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const response = await handleApi(event, {} as Context);
    assert.equal(response.statusCode, 200, String(response.body));
    return JSON.parse(String(response.body)) as { data: Record<string, any>; errors?: unknown[] };
  };
  const listed = await call('{ datasets { edges { node { id name } } } }');
  assert.deepEqual(
    listed.data.datasets.edges.map((e: { node: { id: string } }) => e.node.id),
    [remote.datasetId],
  );
  const started = await call('mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id status } }', {
    i: { datasetId: remote.datasetId, modelIds: remote.modelIds },
  });
  assert.equal(started.errors, undefined);
  assert.equal(started.data.startEvaluation.status, 'QUEUED');
  const recorded = await remote.db.prisma.run.findUniqueOrThrow({ where: { id: started.data.startEvaluation.id } });
  assert.equal(recorded.status, 'queued', 'the api function does not drive runs');
});

test('images and the model in S3: the functions read them through the S3 API and score as from local files', async () => {
  useModelCacheDir(join(dir, 'model-cache'));
  // The dataset folder and the model folder as uploaded to buckets: manifests name their files relatively.
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; images: { uri: string }[] };
  for (const image of manifest.images) s3.put('catalogue', `tones/${image.uri}`, readFileSync(join(dir, 'data', image.uri)));
  s3.put('catalogue', 'tones/manifest.json', Buffer.from(JSON.stringify({ ...manifest, name: 'tones in S3' })));
  const modelManifest = JSON.parse(readFileSync(modelPaths[0], 'utf8')) as { name: string; file: string };
  const onnx = basename(modelManifest.file);
  s3.put('models', `demo/${onnx}`, readFileSync(join(dir, 'models', onnx)));
  s3.put('models', 'demo/model.json', Buffer.from(JSON.stringify({ ...modelManifest, name: `${modelManifest.name} (S3)`, file: onnx })));

  const dataset = await remote.datasets.importDataset({ manifestPath: 's3://catalogue/tones/manifest.json' });
  const datasetId = dataset.id;
  const stored = await remote.db.prisma.image.findFirstOrThrow({ where: { datasetId }, orderBy: { position: 'asc' } });
  assert.equal(stored.uri, `s3://catalogue/tones/${manifest.images[0].uri}`);
  const model = await new ModelService(remote.db.prisma, ['s3://models/demo/']).register('s3://models/demo/model.json');
  assert.equal(model.onnxPath, `s3://models/demo/${onnx}`);
  const modelId = model.id;
  const executor = new LambdaExecutor(lambdaConfig());
  const run = await evaluate({ ...remote, datasetId }, executor, [modelId]);
  await executor.close();
  assert.equal(run.status, 'succeeded', run.error ?? run.evaluations[0].error ?? '');
  const fromFiles = await remote.db.prisma.evaluation.findFirstOrThrow({
    where: { model: { name: modelManifest.name }, status: 'succeeded' },
  });
  assert.equal(run.evaluations[0].score, fromFiles.score);
  assert.ok(s3.requests.filter((r) => r.startsWith('GET /catalogue/')).length >= IMAGES);
});
