// Lambda fan-out benchmark: N images through RunService + LambdaExecutor in 1..N coordinator processes against a local Invoke host; per-image PostgreSQL figures, CPU per process.
//
// Usage: npm run bench:fanout [-- --images 200000 --dim 2048 --concurrency 64 --batch 256 --shards 16 --coordinators 1
//        --queries 2000 --store s3]
//        node dist/bench/fanout.js --images 3000 --concurrency 16 --batch 256 [--coordinators 2]   (quick runs)
// Needs the PostgreSQL server the tests use (DATABASE_URL's, else postgres@127.0.0.1:5432 with trust auth). A fresh
// database and a temporary folder are made and removed again, also on SIGINT/SIGTERM/SIGHUP. The child processes exit
// with this one; if it is killed outright (SIGKILL), the function host drops the database and removes the folder first.
//
// Processes: this one (images, import, calibration, the probe); the function host (bench/fanoutFunctions.ts: handleEmbed,
// handleAggregate and a no-op behind the local Invoke host, standing in for every function container); and --coordinators
// coordinator processes (bench/fanoutCoordinator.ts: RunService + BatchStore leases + LambdaExecutor, --concurrency
// invocations in flight each; the first starts the run, the others join it). A single coordinator is a child process
// too, so its CPU is its own. The model: test/support/tinyModels.ts's Conv model with --dim outputs, over 16x16 PNGs.
// The scoring pass takes a seeded sample of --queries query images (its cost grows with queries x items x dim: with
// all 200,000 images as queries it had not finished after 12 minutes on 2 cores), 0 for all.
// Embedding shards go to the local S3-compatible endpoint of the tests (test/support/s3Host.ts, in this process;
// --store s3, the default) or to a folder (--store folder).
//
// Windows: whole run = the first coordinator's runs.start to the run's end (the first coordinator's drain); embed
// phase = the first embed invocation's start to the last one's end; score phase = from there to the run's end.
// - phases, images/s, embed invocations: the coordinators' clocks (epoch ms) and LambdaExecutor calls;
// - WAL bytes per image: pg_stat_wal.wal_bytes delta / images. pg_stat_wal is server-wide: other databases' writes count;
//   beside it, the WAL position's advance (pg_current_wal_lsn(), server-wide too, and never late);
// - commits, rollbacks per embed invocation: pg_stat_database xact_commit, xact_rollback deltas (bench database) / embed
//   invocations;
// - Lock / LWLock share: pg_stat_activity of the bench database every 100 ms: active backends whose wait_event_type is
//   'Lock' (resp. 'LWLock') / active backends, averaged over the samples with an active backend;
// - coordinator CPU: whole run, each coordinator's process.cpuUsage() from `run` to its drain; embed phase, /proc/<pid>/stat
//   of the coordinators. The handlers' work is in the function host's CPU, not in it;
// - PostgreSQL blocks read+hit in the score phase: pg_stat_database (blks_read + blks_hit) x block_size, and tup_fetched,
//   of the bench database: every read of that phase (the coordinator's and the aggregate handlers' cache loads, the rest);
// - scoring vector bytes read: the vector store's bytes read by the function host (aggregate handlers) and the
//   coordinators (VectorStore.stats), per image;
// - CPU by consumer: /proc/<pid>/stat of each process and of the bench database's backends, /proc/stat for the machine.
// A backend sends its statistics up to 1 s late (10 s once idle), so this process's connections close before the run,
// the coordinators' send theirs (pg_stat_force_next_flush), and every connection closes after the run, before the last
// sample: its counters end the whole-run and score windows. The embed phase's are interpolated between samples.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import { resetS3Client } from '../src/storage/s3Objects.js';
import { useS3Settings } from '../src/storage/storageSettings.js';
import { VectorStore } from '../src/storage/vectorStore.js';
import { type S3Host, startS3Host } from '../test/support/s3Host.js';
import { vectorCounts } from '../test/support/vectorShards.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { databaseName, dropDatabase } from '../src/db/serverDatabase.js';
import { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import { computeEmbeddings } from '../src/executors/embedTask.js';
import type { EmbedTask, ModelReference } from '../src/executors/executor.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import type { PreprocessRecipe } from '../src/imaging/preprocess.js';
import { testServerUrl, uniqueTestDatabaseUrl } from '../test/support/testDatabase.js';
import { writeTinyModel } from '../test/support/tinyModels.js';
import { benchCli, machineLine } from './benchCli.js';
import { writeFanoutDataset } from './fanoutImages.js';
import { Probe } from './fanoutProbe.js';
import { coordinatorKey, fmt, printReport } from './fanoutReport.js';
import {
  type CoordinatorReport,
  type CoordinatorSettings,
  type FromCoordinator,
  type FunctionHostStats,
  forkBenchChild,
  type ToCoordinator,
} from './fanoutShared.js';

const PER_ITEM = 4;
/** The probe samples counters and CPU every COUNTERS_MS, pg_stat_activity every ACTIVITY_MS. */
const COUNTERS_MS = 500;
const ACTIVITY_MS = 100;
const LEASE_SECONDS = 60;
const CALIBRATION_TRIES = 3;
const NOOP_INVOCATIONS = 2000;

const cli = benchCli('bench:fanout');
const { values } = cli.args({
  options: {
    images: { type: 'string' },
    dim: { type: 'string' },
    concurrency: { type: 'string' },
    batch: { type: 'string' },
    shards: { type: 'string' },
    coordinators: { type: 'string' },
    queries: { type: 'string' },
    store: { type: 'string' },
  },
});
const imageCount = cli.positiveInt('images', values.images, 200_000);
const dim = cli.positiveInt('dim', values.dim, 2048);
const concurrency = cli.positiveInt('concurrency', values.concurrency, 64);
const batchSize = cli.positiveInt('batch', values.batch, 256);
const shards = cli.positiveInt('shards', values.shards, 16);
const coordinatorCount = cli.positiveInt('coordinators', values.coordinators, 1);
/** Queries the scoring pass takes (a seeded sample; the pass costs queries x items x dim), 0 for every image. */
const queryCount = values.queries === undefined ? 2000 : values.queries === '0' ? 0 : cli.positiveInt('queries', values.queries, 2000);
const scoreOptions = queryCount === 0 ? null : { queries: { sample: queryCount, seed: 1 } };
const storeKind = values.store ?? 's3';
if (storeKind !== 's3' && storeKind !== 'folder') cli.fail('--store must be s3 or folder');
const command = `npm run bench:fanout -- --images ${imageCount} --dim ${dim} --concurrency ${concurrency} --batch ${batchSize} --shards ${shards} --coordinators ${coordinatorCount} --queries ${queryCount} --store ${storeKind}`;

/** A failure of the bench itself: reported in one line, after the cleanup. */
class BenchFailure extends Error {}
const fail = (message: string): never => {
  throw new BenchFailure(message);
};
const log = (line: string): void => console.error(`[fanout] ${line}`);

/** A child process's IPC messages, kept until asked for; asking fails once it reports an error or exits. */
function inbox(child: ChildProcess, name: string) {
  const received: FromCoordinator[] = [];
  let ended: Error | null = null;
  const wake = new Set<() => void>();
  const notify = (): void => [...wake].forEach((w) => w());
  child.on('message', (message: FromCoordinator) => (received.push(message), notify()));
  child.on('error', (error) => log(`${name}: ${error.message}`));
  child.on('exit', (code, signal) => ((ended = new BenchFailure(`${name} exited (${signal ?? `code ${code}`})`)), notify()));
  return async <T extends FromCoordinator['type']>(type: T): Promise<Extract<FromCoordinator, { type: T }>> => {
    for (;;) {
      const error = received.find((m) => m.type === 'error');
      if (error) throw new BenchFailure((error as { message: string }).message);
      const found = received.find((m) => m.type === type);
      if (found) return found as Extract<FromCoordinator, { type: T }>;
      if (ended) throw ended;
      await new Promise<void>((resolve) => {
        const woken = (): void => (wake.delete(woken), resolve());
        wake.add(woken);
      });
    }
  };
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
const serverUrl = testServerUrl();
const databaseUrl = uniqueTestDatabaseUrl();
const dir = mkdtempSync(join(tmpdir(), 'corrembed-fanout-'));
// Shards go to the local S3-compatible endpoint the tests use (in this process), or to a folder.
const s3: S3Host | null = storeKind === 's3' ? await startS3Host() : null;
const vectorStore = s3 ? 's3://vectors/fanout' : join(dir, 'vectors');
if (s3) {
  useS3Settings({ region: 'us-east-1', endpoint: s3.endpoint });
  resetS3Client();
}
/** What every child process starts with: the bench database, the image folder, the vector store. */
const childEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  CORREMBED_DATA_ROOTS: dir,
  CORREMBED_VECTOR_STORE: vectorStore,
  ...(s3 ? { CORREMBED_S3_ENDPOINT: s3.endpoint } : {}),
};
const cores = availableParallelism();
const phases: [string, number][] = [];
const children: ChildProcess[] = [];
let db: Database | null = null;

let cleaning: Promise<void> | null = null;
let interrupted = false;
/** Stops the children, drops the database, removes the folder (once; also on a signal). */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await s3?.close();
    await db?.close().catch((error: Error) => log(`cleanup: ${error.message}`));
    await dropDatabase(databaseUrl).catch((error: Error) => log(`cleanup: ${error.message}`));
    // Retried: after a signal, image writes may still be landing in it.
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    // onnxruntime leaves an empty /tmp/mat-debug-<pid>.log behind some processes that load it.
    for (const pid of [process.pid, ...children.map((c) => c.pid)]) {
      const path = `/tmp/mat-debug-${pid}.log`;
      try {
        if (statSync(path).size === 0) rmSync(path);
      } catch {
        // none
      }
    }
  })();
  return cleaning;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the child processes, dropping the database`);
    void cleanup().finally(() => process.exit(code));
  });
}

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  phases.push([name, (performance.now() - start) / 1000]);
  return result;
}

try {
  console.log(
    `bench:fanout: ${fmt(imageCount)} images, ${dim}-d vectors, ${coordinatorCount} coordinator process${coordinatorCount > 1 ? 'es' : ''} x ${concurrency} invocations in flight (${fmt(coordinatorCount * concurrency)} in all), ${batchSize} images per embed invocation, ${shards} aggregate shards`,
  );
  console.log(`${machineLine()}\n`);
  const opened = await openDatabase({ databaseUrl, dataDir: '', log });
  db = opened;
  const manifestPath = await phase('generate images', () => writeFanoutDataset(join(dir, 'data'), imageCount, PER_ITEM));
  const datasets = new DatasetService(opened.prisma, [dir]);
  const models = new ModelService(opened.prisma, [dir]);
  const { datasetId, modelId } = await phase('import dataset + register model', async () => {
    const dataset = await datasets.importDataset({ manifestPath });
    const model = await models.register((await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny', dim })).manifest);
    return { datasetId: dataset.id, modelId: model.id };
  });
  const row = await opened.prisma.model.findUniqueOrThrow({ where: { id: modelId } });
  const model: ModelReference = {
    name: row.name,
    onnxPath: row.onnxPath,
    preprocess: row.preprocess as unknown as PreprocessRecipe,
    outputName: row.outputName,
    onnxHash: row.onnxHash,
    preprocessHash: row.preprocessHash,
  };

  const { functions, endpoint, coordinators } = await phase('start function host + coordinators', async () => {
    const functions = forkBenchChild('fanoutFunctions.js', [], childEnv, 'pipe');
    children.push(functions);
    const lines = createInterface({ input: functions.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) fail('the function host exited before it listened');
    const endpoint = (JSON.parse(first.value as string) as { endpoint: string }).endpoint;
    const coordinators = Array.from({ length: coordinatorCount }, (_, index) => {
      const settings: CoordinatorSettings = {
        index,
        databaseUrl,
        dataDir: dir,
        endpoint,
        concurrency,
        batchSize,
        shards,
        leaseSeconds: LEASE_SECONDS,
      };
      const child = forkBenchChild('fanoutCoordinator.js', [JSON.stringify(settings)], childEnv, 'stderr');
      children.push(child);
      return { child, next: inbox(child, `coordinator ${index}`), send: (message: ToCoordinator) => child.send(message) };
    });
    await Promise.all(coordinators.map((c) => c.next('ready')));
    return { functions: { child: functions, lines }, endpoint, coordinators };
  });

  // Calibration, one stream at a time on the idle machine: compute and cache write of one batch, and a bare invocation.
  const cache = new EmbeddingCache(opened.pool, new VectorStore(vectorStore));
  const images = await opened.prisma.image.findMany({
    where: { datasetId },
    orderBy: { position: 'asc' },
    take: batchSize,
    select: { id: true, uri: true },
  });
  const task: EmbedTask = { models: [model], baseDir: (await datasets.get(datasetId)).rootDir, images };
  const computeMs: number[] = [];
  const putMs: number[] = [];
  let noopSeconds = 0;
  await phase('calibration (below)', async () => {
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
    const noop = new LambdaExecutor({
      embedFunction: 'noop',
      aggregateFunction: 'noop',
      region: 'us-east-1',
      endpoint,
      gpuEndpoint: undefined,
      concurrency,
      shards,
      timeoutMs: 300_000,
      maxAttempts: 8,
    });
    let sent = 0;
    const noopStart = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < NOOP_INVOCATIONS) {
          sent++;
          await noop.embed(task);
        }
      }),
    );
    noopSeconds = (performance.now() - noopStart) / 1000;
    await noop.close();
  });
  // This process's connections close, so what they did (import, calibration) is counted now, not in the run's window.
  await opened.close();
  db = null;

  const tracked: Record<string, number> = { functions: functions.child.pid! };
  coordinators.forEach((c, i) => (tracked[coordinatorKey(i)] = c.child.pid!));
  const probe = await Probe.start(serverUrl, databaseName(databaseUrl), { counters: COUNTERS_MS, activity: ACTIVITY_MS }, tracked);
  const drained = coordinators.map((c) => c.next('drained'));
  // The run ends when the first coordinator drains (its lanes found every batch done): a sample marks it.
  const doneSample = Promise.race(drained).then(() => probe.sampleNow());
  doneSample.catch(() => undefined);
  coordinators.forEach((c, i) => c.send({ type: 'run', start: i === 0 ? { datasetId, modelId, options: scoreOptions } : undefined }));
  const started = await coordinators[0].next('started');
  for (const c of coordinators.slice(1)) c.send({ type: 'join' });
  const hostGone = exited(functions.child).then(() => fail('the function host exited during the run'));
  hostGone.catch(() => undefined);
  const reports: CoordinatorReport[] = await Promise.race([Promise.all(drained), hostGone]);
  await doneSample;
  // Every connection to the bench database closes, so its backend's statistics reach the counters of the last sample.
  for (const c of coordinators) c.send({ type: 'exit' });
  await Promise.all(coordinators.map((c) => exited(c.child)));
  functions.child.kill('SIGTERM');
  const statsLine = await functions.lines.next();
  await exited(functions.child);
  if (statsLine.done) fail('the function host exited without its stats');
  const functionStats = JSON.parse(statsLine.value as string) as FunctionHostStats;
  if (!(await probe.waitForNoConnections(10_000)))
    log('connections to the bench database still open after 10 s; the last counters may miss some');
  const flushed = await probe.stop();

  const tStart = started.at;
  const embedding = reports.filter((r) => r.embed.calls > 0);
  if (embedding.length === 0) fail('no embed invocation');
  const tFirstEmbed = Math.min(...embedding.map((r) => r.embed.first!));
  const tLastEmbed = Math.max(...embedding.map((r) => r.embed.last!));
  const tDone = Math.min(...reports.map((r) => r.drainedAt));
  const tAllDrained = Math.max(...reports.map((r) => r.drainedAt));
  phases.push(['plan (load dataset, cache lookup, batches)', (tFirstEmbed - tStart) / 1000]);
  phases.push(['embed (first to last embed invocation)', (tLastEmbed - tFirstEmbed) / 1000]);
  phases.push(['score (load cache, aggregate fan-out, merge)', (tDone - tLastEmbed) / 1000]);
  phases.push(['run total (start to drain)', (tDone - tStart) / 1000]);
  if (coordinatorCount > 1) phases.push(['last coordinator drained, after the run ended', (tAllDrained - tDone) / 1000]);

  const reopened = await openDatabase({ databaseUrl, dataDir: '', log });
  db = reopened;
  const finished = await reopened.prisma.run.findUniqueOrThrow({ where: { id: started.runId }, include: { evaluations: true } });
  const cached = (await vectorCounts(reopened.pool, model.onnxHash)).vectors;
  const [{ block_size: blockSize }] = await reopened.prisma.$queryRaw<
    { block_size: number }[]
  >`SELECT current_setting('block_size')::int AS block_size`;
  if (finished.status !== 'succeeded') process.exitCode = 1;

  printReport({
    imageCount,
    dim,
    concurrency,
    batchSize,
    cores,
    activityMs: ACTIVITY_MS,
    phases,
    run: { status: finished.status, error: finished.error, score: finished.evaluations[0]?.score ?? null },
    cached,
    blockSize,
    coordinators: reports,
    functions: functionStats,
    times: { start: tStart, done: tDone },
    windows: {
      run: probe.window(tStart, tDone, flushed.pg),
      embed: probe.window(tFirstEmbed, tLastEmbed),
      score: probe.window(tLastEmbed, tDone, flushed.pg),
    },
    calibration: {
      computeMs: Math.min(...computeMs),
      putMs: Math.min(...putMs),
      noopPerSecond: NOOP_INVOCATIONS / noopSeconds,
      payloadBytes: Buffer.byteLength(JSON.stringify(task)),
    },
    command,
  });
  if (cached !== imageCount) fail(`${cached} cache entries for ${imageCount} images`);
} catch (error) {
  if (interrupted) await new Promise(() => undefined); // the signal's handler exits once it has cleaned up
  if (!(error instanceof BenchFailure)) throw error;
  console.error(`\nbench:fanout FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
