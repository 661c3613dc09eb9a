// Embedding throughput end to end (read, decode, preprocess, infer, cache write) through RunService + LocalExecutor, against raw onnxruntime and PyTorch eager.
//
// Usage: npm run bench -- embed [--model resnet50|mobilenet] [--images 512] [--batch 32] [--workers 2] [--runs 3]
//                               [--lanes <batches in flight, default 2 x workers>] [--loader-workers 0] [--no-torch]
// Per repetition, in rotating order: (1) raw: `workers` onnxruntime sessions of one intra-op thread each (the
// platform's session options) running run() on a ready-made tensor; (2) platform: an evaluation of the photo dataset
// through RunService and LocalExecutor (`workers` worker threads, one intra-op thread each, as `npm start` runs it),
// timed from startEvaluation to the last batch's embeddings written to PostgreSQL (scoring afterwards is not timed);
// (3) PyTorch eager (bench/torch_embed.py) on the same files with torch.set_num_threads(workers); (4) read + decode +
// preprocess alone, for its CPU time per image. Medians of the per-repetition ratios are reported, with each side's
// CPU time per image (this process, every thread) and the CPU-bound ceiling they imply.
import { configureProcess, embedSettings } from '../src/config/applyConfig.js';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { preprocessingPathName } from '../src/imaging/nativeImaging.js';
import { preprocessImage } from '../src/imaging/preprocess.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import type { Executor } from '../src/executors/executor.js';
import { LocalExecutor } from '../src/executors/localExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import {
  BENCH_MODELS,
  DATA_DIR,
  PYTHON,
  REPO_ROOT,
  ensureModel,
  ensurePhotoDataset,
  isBenchModel,
  photoFolder,
  torchMissing,
} from './benchData.js';
import { benchCli, loadLine, machineLine, median } from './benchCli.js';
import { rawInference } from './rawInference.js';
import { forgetVectors, shardCache } from '../test/support/vectorShards.js';

const config = configureProcess(); // the CORREMBED_* settings, as the commands apply them

const cli = benchCli('bench embed');
const { values } = cli.args({
  allowNegative: true,
  options: {
    model: { type: 'string', default: 'resnet50' },
    images: { type: 'string' },
    batch: { type: 'string' },
    workers: { type: 'string' },
    runs: { type: 'string' },
    lanes: { type: 'string' },
    torch: { type: 'boolean', default: true },
    'loader-workers': { type: 'string', default: '0' },
  },
});
if (!isBenchModel(values.model!)) cli.fail(`--model must be one of ${Object.keys(BENCH_MODELS).join(', ')}`);
const modelName = values.model as keyof typeof BENCH_MODELS;
const imageCount = cli.positiveInt('images', values.images, 512);
const batchSize = cli.positiveInt('batch', values.batch, 32);
const workers = cli.positiveInt('workers', values.workers, 2);
const runs = cli.positiveInt('runs', values.runs, 3);
/** Batches RunService works on at once (the platform: two per worker, one decoded while the other is inferred). */
const lanes = cli.positiveInt('lanes', values.lanes, 2 * workers);
const loaderWorkers = Number(values['loader-workers']);
const command = `npm run bench -- embed --model ${modelName} --images ${imageCount} --batch ${batchSize} --workers ${workers} --runs ${runs} --lanes ${lanes} --loader-workers ${loaderWorkers}${values.torch ? '' : ' --no-torch'}`;

const torchProblem = values.torch ? torchMissing() : null;
if (torchProblem) cli.fail(torchProblem);
const modelManifestPath = ensureModel(modelName);
const datasetManifest = await ensurePhotoDataset(imageCount);
console.log(
  `bench embed: ${modelName}, ${imageCount} photo-like JPEGs, batch ${batchSize}, ${workers} workers x 1 intra-op thread, ${lanes} batches in flight, ${runs} repetitions`,
);
console.log(machineLine());
console.log(`preprocessing: ${preprocessingPathName()}`);
console.log(`start: ${loadLine()}\n`);

const db = await createTestDatabase();
const cache = shardCache(db.pool);
const local = new LocalExecutor(workers, cache, { settings: embedSettings(config) });
try {
  const datasets = new DatasetService(db.prisma, [DATA_DIR]);
  const dataset = await datasets.importDataset({ manifestPath: datasetManifest });
  const model = await new ModelService(db.prisma, [DATA_DIR]).register(modelManifestPath);
  let lastEmbed = 0;
  const executor: Executor = {
    embed: async (task) => {
      const result = await local.embed(task);
      lastEmbed = performance.now();
      return result;
    },
    close: () => local.close(),
  };
  const service = new RunService(db.prisma, datasets, cache, executor, new RunEvents(), {
    batchSize,
    concurrency: lanes,
    leaseSeconds: 60,
    log: (line) => console.error(line),
  });
  const clearCache = () => forgetVectors(db.pool);
  const evaluate = async (): Promise<number> => {
    await clearCache();
    const start = performance.now();
    const run = await service.start({ datasetId: dataset.id, modelIds: [model.id] });
    await service.drain();
    const finished = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    if (finished.status !== 'succeeded') cli.fail(`run ${finished.status}: ${finished.error}`);
    return imageCount / ((lastEmbed - start) / 1000);
  };
  const raw = await rawInference(await loadModelManifest(modelManifestPath), workers, 1);
  const torch = (): number => {
    const args = [
      join(REPO_ROOT, 'bench', 'torch_embed.py'),
      '--manifest',
      modelManifestPath,
      '--arch',
      BENCH_MODELS[modelName].arch,
      '--images',
      photoFolder(datasetManifest),
    ];
    args.push('--batch', String(batchSize), '--threads', String(workers), '--loader-workers', String(loaderWorkers));
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })).end_to_end_images_per_s as number;
  };
  console.error('warm-up: one evaluation (loads the model in every worker)');
  await evaluate();

  const recipe = (await loadModelManifest(modelManifestPath)).preprocess;
  const files = (await db.prisma.image.findMany({ where: { datasetId: dataset.id }, select: { uri: true } })).map((i) =>
    join(dataset.rootDir, i.uri),
  );
  /** Read + decode + preprocess alone, 2 images per core in flight on this thread: its CPU time per image is what the platform adds to inference. */
  const preprocessOnly = async (): Promise<number> => {
    const out = new Float32Array(3 * recipe.crop * recipe.crop);
    let next = 0;
    const start = performance.now();
    const lane = async () => {
      while (next < files.length) await preprocessImage(await readFile(files[next++]), recipe, 'NCHW', out);
    };
    await Promise.all(Array.from({ length: 2 * workers }, lane));
    return files.length / ((performance.now() - start) / 1000);
  };

  const sides = {
    raw: () => raw.measure(imageCount, batchSize),
    platform: evaluate,
    torch: async () => torch(),
    preprocess: preprocessOnly,
  } as const;
  type Side = keyof typeof sides;
  const order = (Object.keys(sides) as Side[]).filter((side) => side !== 'torch' || values.torch);
  const rates: Record<Side, number[]> = { raw: [], platform: [], torch: [], preprocess: [] };
  /** CPU time of this process (every thread: workers, onnxruntime, libvips) per image; the PyTorch process is not counted. */
  const cpuMs: Record<Side, number[]> = { raw: [], platform: [], torch: [], preprocess: [] };
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < order.length; k++) {
      const side = order[(r + k) % order.length];
      // The raw side's warm-up batches stay out of its CPU time per image (they once made it 25% too high).
      if (side === 'raw') await raw.warmUp(batchSize);
      const cpu = process.cpuUsage();
      rates[side].push(await sides[side]());
      const used = process.cpuUsage(cpu);
      cpuMs[side].push((used.user + used.system) / 1000 / imageCount);
    }
    console.error(`repetition ${r + 1}: ${order.map((s) => `${s} ${rates[s][r].toFixed(1)}`).join(', ')} images/s; ${loadLine()}`);
  }
  await raw.close();

  const toRaw = median(rates.platform.map((p, r) => p / rates.raw[r]));
  const toTorch = values.torch ? median(rates.platform.map((p, r) => p / rates.torch[r])) : NaN;
  const row = (name: string, side: Side, cpu = true) =>
    `${name.padEnd(62)} ${median(rates[side]).toFixed(1).padStart(8)} ${Math.min(...rates[side])
      .toFixed(1)
      .padStart(8)} ${Math.max(...rates[side])
      .toFixed(1)
      .padStart(8)} ${(cpu ? median(cpuMs[side]).toFixed(1) : '-').padStart(12)}`;
  console.log(`${'images/s'.padEnd(62)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'CPU ms/image'.padStart(12)}`);
  console.log(row(`raw onnxruntime run(), ${workers} sessions x 1 thread, ready tensors`, 'raw'));
  console.log(row('platform: read + decode + preprocess + infer + cache write', 'platform'));
  if (values.torch) console.log(row(`PyTorch eager ${workers} threads, PIL pipeline, ${loaderWorkers} loader workers`, 'torch', false));
  console.log(row('read + decode + preprocess alone (no inference)', 'preprocess'));
  const [rawCpu, platformCpu, prepCpu] = [median(cpuMs.raw), median(cpuMs.platform), median(cpuMs.preprocess)];
  console.log(
    `\nCPU per image: inference ${rawCpu.toFixed(1)} ms + read/decode/preprocess ${prepCpu.toFixed(1)} ms; the platform spent ${platformCpu.toFixed(1)} ms`,
  );
  console.log(
    `CPU-bound ceiling of platform / raw on a machine of its own: inference / (inference + preprocess) CPU = ${(rawCpu / (rawCpu + prepCpu)).toFixed(3)}; the platform's own inference / all CPU = ${(rawCpu / platformCpu).toFixed(3)}`,
  );
  console.log(
    `platform / raw:     ${toRaw.toFixed(3)} (median of per-repetition ratios; target >= 0.90: ${toRaw >= 0.9 ? 'MET' : 'MISSED'})`,
  );
  if (values.torch) console.log(`platform / PyTorch: ${toTorch.toFixed(3)} (target >= 1.2: ${toTorch >= 1.2 ? 'MET' : 'MISSED'})`);
  console.log(`end: ${loadLine()}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await local.close();
  await db.close();
}
