// Lambda fan-out benchmark: N images through RunService + LambdaExecutor against the local Invoke host with a tiny model; rates, PostgreSQL writes, bottleneck.
//
// Usage: npm run bench:fanout [-- --images 100000 --concurrency 64 --batch 256 --shards 16]
//        node dist/bench/fanout.js --images 5000   (quick run)
// Needs the PostgreSQL server the tests use (DATABASE_URL's, else postgres@127.0.0.1:5432 with trust auth); a fresh
// database is created and dropped. PostgreSQL writes come from pg_stat_database (xact_commit, tup_inserted/updated/
// deleted) sampled every 500 ms; CPU from process.cpuUsage (this process, every thread), /proc/<pid>/stat of the
// database's backends and /proc/stat (the machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import type { LambdaConfig } from '../src/config.js';
import { createTestDatabase, testServerUrl } from '../test/support/testDatabase.js';
import type { PreprocessRecipe } from '../src/imaging/preprocess.js';
import { computeEmbeddings } from '../src/executors/embedTask.js';
import type { EmbedTask, Executor, ModelReference } from '../src/executors/executor.js';
import { answer } from '../src/executors/invocationEnvelope.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime } from '../src/serverless/functionRuntime.js';
import { startInvokeHost, type FunctionHandler } from '../src/executors/invokeHost.js';
import { writeTinyModel } from '../test/support/tinyModels.js';
import { writeFanoutDataset } from './fanoutImages.js';
import { Probe, type Window } from './fanoutProbe.js';
import { benchCli } from './benchCli.js';
import { shardCache, vectorCounts } from '../test/support/vectorShards.js';

const PER_ITEM = 4;
const SAMPLE_MS = 500;
const CALIBRATION_TRIES = 3;
const NOOP_INVOCATIONS = 2000;

const cli = benchCli('bench:fanout');
// Annotated, so the compiler knows code after fail() is unreachable.
const fail: (message: string) => never = cli.fail;
const positiveInt = cli.positiveInt;

/** Time spent in a function's calls, and how many. */
class Timer {
  calls = 0;
  ms = 0;
  first = Infinity;
  last = 0;

  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    this.first = Math.min(this.first, start);
    try {
      return await work();
    } finally {
      this.calls++;
      this.last = performance.now();
      this.ms += this.last - start;
    }
  }
}

const timed =
  (timer: Timer, handler: FunctionHandler): FunctionHandler =>
  (event) =>
    timer.time(() => handler(event));

async function phase<T>(name: string, phases: [string, number][], work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  phases.push([name, (performance.now() - start) / 1000]);
  return result;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function describeWindow(label: string, w: Window, cores: number): string[] {
  const other = Math.max(0, w.machineCores - w.nodeCores - w.backendCores - w.clusterCores);
  const active = Object.entries(w.states)
    .filter(([state]) => state.startsWith('active'))
    .sort((a, b) => b[1] - a[1]);
  const activeSum = active.reduce((sum, [, n]) => sum + n, 0);
  const connections = Object.values(w.states).reduce((sum, n) => sum + n, 0);
  return [
    `${label} (${fmt(w.seconds, 1)} s sampled):`,
    `  CPU, in cores of ${cores}: node process ${fmt(w.nodeCores, 2)} (event loop busy ${fmt(w.eventLoop * 100)}%), this database's PostgreSQL backends ${fmt(w.backendCores, 2)}, PostgreSQL's own processes ${fmt(w.clusterCores, 2)}, everything else on the machine ${fmt(other, 2)}; machine busy ${fmt(w.machineCores, 2)}`,
    `  PostgreSQL (pg_stat_database): ${fmt(w.pg.xactCommit / w.seconds)} commits/s, ${fmt((w.pg.tupInserted + w.pg.tupUpdated + w.pg.tupDeleted) / w.seconds)} rows written/s (${fmt(w.pg.tupInserted / w.seconds)} inserted, ${fmt(w.pg.tupUpdated / w.seconds)} updated), ${fmt(w.pg.tupFetched / w.seconds)} rows fetched/s`,
    `  WAL (pg_stat_wal, whole server): ${fmt(w.pg.walRecords / w.seconds)} records/s, ${fmt(w.pg.walBytes / w.seconds / 2 ** 20, 2)} MiB/s, ${fmt(w.pg.walSync / w.seconds)} syncs/s`,
    `  backends of this database: ${fmt(connections, 1)} connections on average, ${fmt(activeSum, 2)} active (${active.map(([state, n]) => `${state.slice(7)} ${fmt(n, 2)}`).join(', ') || 'none'})`,
  ];
}

const { values } = cli.args({
  options: { images: { type: 'string' }, concurrency: { type: 'string' }, batch: { type: 'string' }, shards: { type: 'string' } },
});
const imageCount = positiveInt('images', values.images, 100_000);
const concurrency = positiveInt('concurrency', values.concurrency, 64);
const batchSize = positiveInt('batch', values.batch, 256);
const shards = positiveInt('shards', values.shards, 16);
const command = `npm run bench:fanout -- --images ${imageCount} --concurrency ${concurrency} --batch ${batchSize} --shards ${shards}`;

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
const serverUrl = testServerUrl();
const dir = mkdtempSync(join(tmpdir(), 'corrembed-fanout-'));
const cores = availableParallelism();
const phases: [string, number][] = [];
const embedHandler = new Timer();
const aggregateHandler = new Timer();
const embedCalls = new Timer();
const aggregateCalls = new Timer();
const log = (line: string): void => console.error(`[fanout] ${line}`);

const db = await createTestDatabase(log);
const cleanups: (() => Promise<unknown>)[] = [
  () => closeFunctionRuntime(),
  () => db.close(),
  async () => rmSync(dir, { recursive: true, force: true }),
];
try {
  console.log(
    `bench:fanout: ${fmt(imageCount)} images, ${concurrency} in flight, ${batchSize} images per embed invocation, ${shards} aggregate shards`,
  );
  console.log(`machine: ${cpus()[0]?.model ?? '?'}, ${cores} cores, ${fmt(totalmem() / 2 ** 30)} GiB; Node ${process.version}\n`);
  const manifestPath = await phase('generate images', phases, () => writeFanoutDataset(join(dir, 'data'), imageCount, PER_ITEM));
  const datasets = new DatasetService(db.prisma, [dir]);
  const models = new ModelService(db.prisma, [dir]);
  const { datasetId, modelId } = await phase('import dataset + register model', phases, async () => {
    const dataset = await datasets.importDataset({ manifestPath });
    const model = await models.register((await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny' })).manifest);
    return { datasetId: dataset.id, modelId: model.id };
  });

  // The handlers run in this process and open the benchmarked database, as a function container would.
  process.env.DATABASE_URL = db.url;
  process.env.CORREMBED_DATA_ROOTS = dir;
  process.env.CORREMBED_VECTOR_STORE = join(dir, 'vectors');
  const noop: FunctionHandler = () => answer(async () => ({ embedded: [], failed: [] }));
  const host = await startInvokeHost({
    functions: { embed: timed(embedHandler, handleEmbed), aggregate: timed(aggregateHandler, handleAggregate), noop },
    log,
  });
  cleanups.unshift(() => host.close());
  const config: LambdaConfig = {
    embedFunction: 'embed',
    aggregateFunction: 'aggregate',
    region: 'us-east-1',
    endpoint: host.endpoint,
    gpuEndpoint: undefined,
    concurrency,
    shards,
    timeoutMs: 300_000,
    maxAttempts: 8,
  };
  const lambda = new LambdaExecutor(config, log);
  cleanups.unshift(() => lambda.close());
  const executor: Executor = {
    embed: (task) => embedCalls.time(() => lambda.embed(task)),
    aggregate: { shards, run: (task) => aggregateCalls.time(() => lambda.aggregate!.run(task)) },
    close: () => lambda.close(),
  };

  const dbName = new URL(db.url).pathname.slice(1);
  const probe = await Probe.start(serverUrl, dbName, SAMPLE_MS);
  const cache = shardCache(db.pool);
  const runs = new RunService(db.prisma, datasets, cache, executor, new RunEvents(), { batchSize, concurrency, leaseSeconds: 60, log });
  const runStart = performance.now();
  const run = await runs.start({ datasetId, modelIds: [modelId], options: null });
  await runs.drain();
  const runEnd = performance.now();
  await probe.stop();
  phases.push(['plan (load dataset, cache lookup, batches)', (embedCalls.first - runStart) / 1000]);
  phases.push(['embed (first to last embed invocation)', (embedCalls.last - embedCalls.first) / 1000]);
  phases.push(['score (load cache, aggregate fan-out, merge)', (runEnd - embedCalls.last) / 1000]);
  phases.push(['run total (start to drain)', (runEnd - runStart) / 1000]);

  const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { evaluations: true } });
  const cached = (await vectorCounts(db.pool)).vectors;
  if (cached !== imageCount) fail(`${cached} cache entries for ${imageCount} images`);
  if (finished.status !== 'succeeded') process.exitCode = 1;

  // Calibration, one stream at a time on the idle machine: compute and cache write of one batch, and a bare invocation.
  const row = await db.prisma.model.findUniqueOrThrow({ where: { id: modelId } });
  const model: ModelReference = {
    name: row.name,
    onnxPath: row.onnxPath,
    preprocess: row.preprocess as unknown as PreprocessRecipe,
    outputName: row.outputName,
    onnxHash: row.onnxHash,
    preprocessHash: row.preprocessHash,
  };
  const images = await db.prisma.image.findMany({
    where: { datasetId },
    orderBy: { position: 'asc' },
    take: batchSize,
    select: { id: true, uri: true },
  });
  const task: EmbedTask = { models: [model], baseDir: (await datasets.get(datasetId)).rootDir, images };
  const computeMs: number[] = [];
  const putMs: number[] = [];
  for (let i = 0; i < CALIBRATION_TRIES; i++) {
    let start = performance.now();
    const computed = await computeEmbeddings(task, cores);
    computeMs.push(performance.now() - start);
    start = performance.now();
    const part = computed.models[0];
    if ('error' in part) throw part.error;
    await cache.putEncoded([
      {
        modelHash: `calibration-${i}`,
        preprocessHash: model.preprocessHash,
        imageHashes: computed.contentHashes,
        dim: part.dim,
        float16: part.float16,
      },
    ]);
    putMs.push(performance.now() - start);
  }
  const noopExecutor = new LambdaExecutor({ ...config, embedFunction: 'noop' });
  cleanups.unshift(() => noopExecutor.close());
  let sent = 0;
  const noopStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < NOOP_INVOCATIONS) {
        sent++;
        await noopExecutor.embed(task);
      }
    }),
  );
  const noopSeconds = (performance.now() - noopStart) / 1000;

  const embedSeconds = (embedCalls.last - embedCalls.first) / 1000;
  const embed = probe.window(embedCalls.first, embedCalls.last);
  const score = probe.window(embedCalls.last, runEnd);
  const bestCompute = Math.min(...computeMs);
  const bestPut = Math.min(...putMs);
  console.log('phase                                            wall s');
  for (const [name, seconds] of phases) console.log(`${name.padEnd(48)} ${fmt(seconds, 2).padStart(7)}`);
  console.log('');
  console.log(
    `embed invocations: ${fmt(embedHandler.calls)} (${fmt(lambda.stats.invocations)} invocations in all, ${lambda.stats.retries} retries, ${lambda.stats.throttled} throttled, ${lambda.stats.functionErrors} function errors, ${lambda.stats.timeouts} timeouts)`,
  );
  console.log(`sustained: ${fmt(embedCalls.calls / embedSeconds, 1)} embed invocations/s, ${fmt(imageCount / embedSeconds)} images/s`);
  console.log(
    `embed invocation: ${fmt(embedCalls.ms / embedCalls.calls)} ms round trip on average, ${fmt(embedHandler.ms / embedHandler.calls)} ms of it in the handler; ${fmt(embedHandler.ms / 1000 / embedSeconds, 1)} handlers in flight on average`,
  );
  console.log(
    `aggregate invocations: ${fmt(aggregateHandler.calls)}, ${fmt(aggregateHandler.ms / aggregateHandler.calls)} ms each in the handler`,
  );
  console.log(
    `run: ${finished.status}${finished.error ? ` (${finished.error})` : ''}, score ${finished.evaluations[0]?.score?.toFixed(6)}, ${fmt(cached)} cache entries; aggregate retries and failures are in the log on stderr\n`,
  );
  for (const line of [...describeWindow('embed phase', embed, cores), ...describeWindow('score phase', score, cores)]) console.log(line);
  const other = Math.max(0, embed.machineCores - embed.nodeCores - embed.backendCores - embed.clusterCores);
  const shares: [string, number][] = [
    ['the Node process (SDK + HTTP + handlers: decode, preprocess, inference, Prisma)', embed.nodeCores],
    ['the PostgreSQL backends', embed.backendCores + embed.clusterCores],
    ['other work on the machine', other],
  ];
  shares.sort((a, b) => b[1] - a[1]);
  const saturated = embed.machineCores >= 0.9 * cores;
  console.log(
    `\nbottleneck (embed phase): ${saturated ? `the machine's ${cores} cores are saturated (${fmt(embed.machineCores, 2)} busy)` : `the CPUs are not saturated (${fmt(embed.machineCores, 2)} of ${cores} busy)`}; ` +
      `largest consumer: ${shares[0][0]} at ${fmt(shares[0][1], 2)} cores, then ${shares[1][0]} at ${fmt(shares[1][1], 2)}`,
  );
  console.log('\ncalibration, one stream on the idle machine:');
  console.log(
    `  compute ${batchSize} images (read, sha256, decode, preprocess, inference, ${cores} threads): ${fmt(bestCompute)} ms = ${fmt((bestCompute * 1000) / batchSize)} us/image`,
  );
  console.log(
    `  cache write of ${batchSize} vectors (one INSERT ... ON CONFLICT DO NOTHING): ${fmt(bestPut, 1)} ms = ${fmt((bestPut * 1000) / batchSize, 1)} us/image`,
  );
  console.log(
    `  bare invocations (same ${fmt(Buffer.byteLength(JSON.stringify(task)))}-byte payload, no-op handler, ${concurrency} in flight): ${fmt(NOOP_INVOCATIONS / noopSeconds)} invocations/s`,
  );
  console.log(
    `  node CPU per image over the embed phase: ${fmt((embed.nodeCores * embed.seconds * 1e6) / imageCount)} us; PostgreSQL backend CPU per image: ${fmt(((embed.backendCores + embed.clusterCores) * embed.seconds * 1e6) / imageCount, 1)} us`,
  );
  console.log(`\nreproduce: ${command}`);
} finally {
  for (const cleanup of cleanups) await cleanup().catch((error: Error) => log(`cleanup: ${error.message}`));
}
