// A realistic evaluation run end to end: six torchvision exports of two recipes over photos through RunService + LocalExecutor, against raw run() and one model at a time.
//
// Usage: npm run bench -- run [--images 2000] [--batch 32] [--workers 2] [--runs 1] [--no-single]
// Per repetition, in rotating order: (1) raw: for each model, `workers` onnxruntime sessions of one intra-op thread
// each (the platform's session options, one per worker thread) running run() on ready tensors; the sum of the six
// times is the ceiling. (2) platform: one run of the six models through RunService and LocalExecutor (`workers` worker
// threads, one intra-op thread each), the models of a recipe sharing each batch's read, hash and decode, timed from
// startEvaluation to the last embeddings written to PostgreSQL (scoring after it reported apart). (3) one at a time: a
// run per model, one after another, each batch carrying one model (every image read and decoded once per model).
// Printed: images/s, platform / raw (target >= 0.92), each model's raw time and its ratio (platform time shared by
// inference CPU), CPU per image per model by stage and thread (main, worker threads, the rest: libuv pool and V8;
// and the PostgreSQL backends), peak RSS per side (target <= 1.5 GB).
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import { RunEvents } from '../src/events/runEvents.js';
import type { EmbedStages, Executor } from '../src/executors/executor.js';
import { LocalExecutor } from '../src/executors/localExecutor.js';
import { preprocessingPathName } from '../src/imaging/nativeImaging.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { RunService } from '../src/runs/runService.js';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { DATA_DIR, RUN_MODELS, ensureExport, ensurePhotoDataset, torchMissing } from './benchData.js';
import { benchCli, loadLine, machineLine, median } from './benchCli.js';
import { rawInference } from './rawInference.js';
import { RssSampler } from './rssSampler.js';
import { forgetVectors, shardCache } from '../test/support/vectorShards.js';

const cli = benchCli('bench run');
const { values } = cli.args({
  allowNegative: true,
  options: {
    images: { type: 'string' },
    batch: { type: 'string' },
    workers: { type: 'string' },
    runs: { type: 'string' },
    single: { type: 'boolean', default: true },
  },
});
const imageCount = cli.positiveInt('images', values.images, 2000);
const batchSize = cli.positiveInt('batch', values.batch, 32);
const workers = cli.positiveInt('workers', values.workers, 2);
const runs = cli.positiveInt('runs', values.runs, 1);
const command = `npm run bench -- run --images ${imageCount} --batch ${batchSize} --workers ${workers} --runs ${runs}${values.single ? '' : ' --no-single'}`;
const WARM_UP_IMAGES = 2 * batchSize * workers;

const problem = torchMissing();
if (problem) cli.fail(problem);
const manifests = RUN_MODELS.map(ensureExport);
const models = await Promise.all(manifests.map((path) => loadModelManifest(path)));
const datasetManifest = await ensurePhotoDataset(imageCount);
const warmUpManifest = await ensurePhotoDataset(WARM_UP_IMAGES);
const recipes = new Set(models.map((m) => JSON.stringify(m.preprocess)));
console.log(
  `bench run: ${models.length} models (${recipes.size} recipes), ${imageCount} photo-like JPEGs, batch ${batchSize}, ${workers} workers x 1 intra-op thread, ${runs} repetition(s)`,
);
for (const m of models) console.log(`  ${m.name}: resize ${m.preprocess.resize}, crop ${m.preprocess.crop}, ${m.preprocess.interpolation}`);
console.log(machineLine());
console.log(`preprocessing: ${preprocessingPathName()}`);
console.log(`malloc arenas: MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? "unset (glibc's 8 per core)"}`);
console.log(`start: ${loadLine()}\n`);

/** CPU nanoseconds each thread of this process has run (/proc/self/task/<tid>/schedstat). */
function threadCpu(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      cpu.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return cpu;
}

/** Clock ticks of CPU (user + system) of processes by pid (/proc/<pid>/stat); absent when unreadable. */
function processTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone, or another user's
    }
  }
  return ticks;
}

const STAGE_KEYS = ['hash', 'inference', 'waiting', 'encode', 'store'] as const;
type StageTotals = Record<(typeof STAGE_KEYS)[number], number>;

const sampler = new RssSampler(100);
const db = await createTestDatabase();
const cache = shardCache(db.pool);
const local = new LocalExecutor(workers, cache);
try {
  const datasets = new DatasetService(db.prisma, [DATA_DIR]);
  const dataset = await datasets.importDataset({ manifestPath: datasetManifest });
  const warmUpDataset = await datasets.importDataset({ manifestPath: warmUpManifest });
  const registry = new ModelService(db.prisma, [DATA_DIR]);
  const modelIds: string[] = [];
  for (const path of manifests) modelIds.push((await registry.register(path)).id);

  let lastEmbed = 0;
  let stages: StageTotals = { hash: 0, inference: 0, waiting: 0, encode: 0, store: 0 };
  const inferenceByModel = new Map<string, number>();
  const workerThreads = new Set<number>();
  const record = (names: string[], s: EmbedStages) => {
    for (const key of STAGE_KEYS) stages[key] += s[key];
    names.forEach((name, k) => inferenceByModel.set(name, (inferenceByModel.get(name) ?? 0) + s.inferenceByModel[k]));
    for (const thread of s.threads) workerThreads.add(thread);
  };
  const executor: Executor = {
    embed: async (task) => {
      const result = await local.embed(task);
      lastEmbed = performance.now();
      if (result.stages)
        record(
          task.models.map((m) => m.name),
          result.stages,
        );
      return result;
    },
    close: () => local.close(),
  };
  const service = (modelsPerBatch?: number) =>
    new RunService(db.prisma, datasets, cache, executor, new RunEvents(), {
      batchSize,
      concurrency: local.capacity,
      leaseSeconds: 120,
      modelsPerBatch,
      log: (line) => console.error(line),
    });
  const grouped = service();
  const oneByOne = service(1);
  /** Seconds from start to the last embeddings written, and to the run's end; fails the bench on a failed run. */
  const evaluate = async (
    runService: RunService,
    datasetId: string,
    ids: string[],
    fromCache = false,
  ): Promise<{ embed: number; total: number }> => {
    if (!fromCache) await forgetVectors(db.pool);
    const start = performance.now();
    const run = await runService.start({ datasetId, modelIds: ids });
    await runService.drain();
    const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    if (finished.status !== 'succeeded') cli.fail(`run ${finished.status}: ${finished.error}`);
    return { embed: (lastEmbed - start) / 1000, total: (performance.now() - start) / 1000 };
  };

  console.error('warm-up: one run of every model on a small dataset (loads the models, measures and places them on the workers)');
  await evaluate(grouped, warmUpDataset.id, modelIds);

  /** Seconds per model of raw run() on ready tensors, and this process's CPU ms per image for it. */
  const raw = async () => {
    const seconds: number[] = [];
    let cpuMs = 0;
    for (const model of models) {
      const sessions = await rawInference(model, workers, 1);
      await sessions.warmUp(batchSize);
      const cpu = process.cpuUsage();
      seconds.push(imageCount / (await sessions.measure(imageCount, batchSize)));
      const used = process.cpuUsage(cpu);
      cpuMs += (used.user + used.system) / 1000;
      await sessions.close();
    }
    return { seconds, cpuMs };
  };

  const rawSeconds: number[][] = [];
  const rawCpu: number[] = [];
  const platform: { embed: number; total: number }[] = [];
  const single: number[] = [];
  const breakdowns: {
    stages: StageTotals;
    threads: Record<string, number>;
    scoring: number;
    postgres: number;
    byModel: Map<string, number>;
  }[] = [];
  const sides = ['raw', 'platform', ...(values.single ? ['single'] : [])] as const;
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(r + k) % sides.length];
      if (side === 'raw') {
        const result = await sampler.timed('raw run(), model by model', raw);
        rawSeconds.push(result.seconds);
        rawCpu.push(result.cpuMs);
      } else if (side === 'platform') {
        stages = { hash: 0, inference: 0, waiting: 0, encode: 0, store: 0 };
        inferenceByModel.clear();
        const backends = (
          await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')
        ).rows.map((row) => row.pid);
        const ticksBefore = processTicks(backends);
        const threadsBefore = threadCpu();
        const cpuBefore = process.cpuUsage();
        platform.push(await sampler.timed('platform: all models in one run', () => evaluate(grouped, dataset.id, modelIds)));
        const used = process.cpuUsage(cpuBefore);
        const threadsAfter = threadCpu();
        const allBackends = (
          await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')
        ).rows.map((row) => row.pid);
        const threads = { main: 0, workers: 0, other: 0, process: (used.user + used.system) / 1000 };
        for (const [tid, ns] of threadsAfter) {
          const ms = (ns - (threadsBefore.get(tid) ?? 0)) / 1e6;
          if (tid === process.pid) threads.main += ms;
          else if (workerThreads.has(tid)) threads.workers += ms;
          else threads.other += ms;
        }
        // Backends that connected during the run count whole; those that left during it are missed.
        const postgres = ((processTicks(allBackends) - ticksBefore) * 1000) / 100;
        // The main thread also scored the evaluations whose embeddings were done while others embedded: the same run
        // again, served from the cache, is that scoring (and a run's start and end) alone.
        const mainBefore = threadCpu().get(process.pid) ?? 0;
        await evaluate(grouped, dataset.id, modelIds, true);
        const scoring = ((threadCpu().get(process.pid) ?? 0) - mainBefore) / 1e6;
        breakdowns.push({ stages: { ...stages }, threads, scoring, postgres, byModel: new Map(inferenceByModel) });
      } else {
        single.push(
          await sampler.timed('one model per run, one after another', async () => {
            let seconds = 0;
            for (const id of modelIds) seconds += (await evaluate(oneByOne, dataset.id, [id])).embed;
            return seconds;
          }),
        );
      }
    }
    const rawSum = rawSeconds[r].reduce((a, b) => a + b, 0);
    console.error(
      `repetition ${r + 1}: raw ${rawSum.toFixed(1)} s, platform ${platform[r].embed.toFixed(1)} s${values.single ? `, one at a time ${single[r].toFixed(1)} s` : ''}; ${loadLine()}`,
    );
  }
  sampler.stop();

  const rawSums = rawSeconds.map((s) => s.reduce((a, b) => a + b, 0));
  const perModelRaw = models.map((_, m) => median(rawSeconds.map((s) => s[m])));
  const rate = (seconds: number) => imageCount / seconds;
  console.log(`${'end to end'.padEnd(70)} ${'seconds'.padStart(9)} ${'images/s'.padStart(9)} ${'/ raw'.padStart(7)}`);
  const line = (name: string, seconds: number) =>
    console.log(
      `${name.padEnd(70)} ${seconds.toFixed(1).padStart(9)} ${rate(seconds).toFixed(1).padStart(9)} ${(median(rawSums) / seconds).toFixed(3).padStart(7)}`,
    );
  line(`raw run(): sum over the models, ${workers} sessions x 1 thread, ready tensors`, median(rawSums));
  line('platform: one run of every model (read + decode + infer + cache write)', median(platform.map((p) => p.embed)));
  line('  ... and scoring every model (the run finished)', median(platform.map((p) => p.total)));
  if (values.single) line('one model per run, one after another (one model per batch)', median(single));
  const toRaw = median(platform.map((p, r) => rawSums[r] / p.embed));
  console.log(
    `\nplatform / raw: ${toRaw.toFixed(3)} (median of per-repetition ratios; target >= 0.92: ${toRaw >= 0.92 ? 'MET' : 'MISSED'})`,
  );
  if (values.single) console.log(`platform / one at a time: ${median(platform.map((p, r) => single[r] / p.embed)).toFixed(2)}x faster`);

  const last = breakdowns[breakdowns.length - 1];
  const totalInference = [...last.byModel.values()].reduce((a, b) => a + b, 0);
  const platformEmbed = platform[platform.length - 1].embed;
  console.log(`\n${'model (last repetition)'.padEnd(48)} ${'raw s'.padStart(7)} ${'platform s'.padStart(11)} ${'ratio'.padStart(7)}`);
  models.forEach((m, i) => {
    // The run's time shared among the models by their inference CPU.
    const share = (platformEmbed * (last.byModel.get(m.name) ?? 0)) / totalInference;
    console.log(
      `${m.name.padEnd(48)} ${perModelRaw[i].toFixed(1).padStart(7)} ${share.toFixed(1).padStart(11)} ${(perModelRaw[i] / share).toFixed(3).padStart(7)}`,
    );
  });

  const pairs = imageCount * models.length;
  const perPair = (ms: number) => (ms / pairs).toFixed(3).padStart(8);
  const target = (ms: number) => (ms / pairs < 0.3 ? 'under 0.3' : 'OVER 0.3');
  const { stages: s, threads, scoring, postgres } = last;
  // Inference is measured around run() calls, which may take in a little of the thread's other work: not below zero.
  const workerRest = Math.max(0, threads.workers - s.inference - s.hash - s.encode);
  const bookkeeping = Math.max(0, threads.main - scoring);
  console.log(`\nCPU ms per image per model, platform side (last repetition), ${models.length} models x ${imageCount} images:`);
  console.log(`  ${'inference: onnxruntime run() (worker threads)'.padEnd(72)} ${perPair(s.inference)}`);
  console.log(
    `  ${'sha256 of the image bytes, once per image and recipe (worker threads)'.padEnd(72)} ${perPair(s.hash)}  ${target(s.hash)}`,
  );
  console.log(`  ${'unit length + float16 (worker threads)'.padEnd(72)} ${perPair(s.encode)}  ${target(s.encode)}`);
  console.log(`  ${'rest of the worker threads: messages, copies, queueing, GC'.padEnd(72)} ${perPair(workerRest)}  ${target(workerRest)}`);
  console.log(`  ${'other threads: libuv pool (file reads, JPEG decode, resample), V8 helpers'.padEnd(72)} ${perPair(threads.other)}`);
  console.log(
    `  ${'main thread: claims, completions, cache writes, events (pg, Prisma)'.padEnd(72)} ${perPair(bookkeeping)}  ${target(bookkeeping)}`,
  );
  console.log(
    `  ${'main thread: scoring, start and end of a run (the run again, from the cache)'.padEnd(72)} ${perPair(Math.min(scoring, threads.main))}`,
  );
  console.log(`  ${'this process, every thread (the run to its end, scoring included)'.padEnd(72)} ${perPair(threads.process)}`);
  console.log(`  ${'PostgreSQL backends of the database (another process)'.padEnd(72)} ${perPair(postgres)}  ${target(postgres)}`);
  console.log(
    `  wall ms per image per model: cache writes ${perPair(s.store)} (main thread, awaiting PostgreSQL), worker waits for a turn at inference ${perPair(s.waiting)}`,
  );
  const rawPerPair = median(rawCpu) / pairs;
  console.log(
    `  raw run() side: ${rawPerPair.toFixed(3)} ms per image per model; the platform spent ${(threads.process / pairs).toFixed(3)} (inference / all: ${(s.inference / threads.process).toFixed(3)})`,
  );
  console.log(`\n${sampler.table()}`);
  const peak = sampler.peaks.get('platform: all models in one run') ?? NaN;
  console.log(`peak RSS of the platform side: ${peak.toFixed(0)} MiB (target <= 1536: ${peak <= 1536 ? 'MET' : 'MISSED'})`);
  console.log(`end: ${loadLine()}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await local.close();
  await db.close();
}
