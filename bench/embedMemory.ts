// Peak memory of one evaluation of 100,000 images through the real embed path (RunService + LocalExecutor worker threads + cache), then scoring.
//
// Usage: npm run bench -- memory [--images 100000] [--batch 32] [--workers 2]
// The dataset is N distinct 16x16 PNGs (bench/fanoutImages.ts, cached under bench/.data/tiny-<N>): every image has
// its own bytes, so its own content hash and cache entry, and every one is read, decoded, preprocessed, inferred and
// written. The model is the tests' tiny Conv (16x16 input, 8-d). VmRSS is sampled every 100 ms per phase; VmHWM is
// the kernel's peak over the whole process (worker threads are threads of this process, so they are included).
import { configureProcess, embedSettings } from '../src/config/applyConfig.js';
import { join } from 'node:path';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { LocalExecutor } from '../src/executors/localExecutor.js';
import { RunEvents } from '../src/events/runEvents.js';
import { RunService } from '../src/runs/runService.js';
import { writeTinyModel } from '../test/support/tinyModels.js';
import { DATA_DIR } from './benchData.js';
import { benchCli, loadLine, machineLine } from './benchCli.js';
import { ensureFanoutDataset } from './fanoutImages.js';
import { RssSampler } from './rssSampler.js';
import { shardCache, vectorCounts } from '../test/support/vectorShards.js';

const config = configureProcess(); // the CORREMBED_* settings, as the commands apply them

const LIMIT_MIB = 1536;
const cli = benchCli('bench memory');
const { values } = cli.args({ options: { images: { type: 'string' }, batch: { type: 'string' }, workers: { type: 'string' } } });
const imageCount = cli.positiveInt('images', values.images, 100_000);
const batchSize = cli.positiveInt('batch', values.batch, 32);
const workers = cli.positiveInt('workers', values.workers, 2);
const command = `npm run bench -- memory --images ${imageCount} --batch ${batchSize} --workers ${workers}`;

const rss = new RssSampler(100);
console.log(`bench memory: ${imageCount.toLocaleString('en-US')} images, batch ${batchSize}, ${workers} embed workers`);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);
rss.enter('generate images (once, cached)');
const manifestPath = await ensureFanoutDataset(join(DATA_DIR, `tiny-${imageCount}`), imageCount);

const db = await createTestDatabase();
const cache = shardCache(db.pool);
const executor = new LocalExecutor(workers, cache, { settings: embedSettings(config) });
try {
  const phase = <T>(name: string, work: () => Promise<T>) => rss.timed(name, work);
  const datasets = new DatasetService(db.prisma, [DATA_DIR]);
  const dataset = await phase('import dataset', () => datasets.importDataset({ manifestPath }));
  const model = await new ModelService(db.prisma, [DATA_DIR]).register(
    (await writeTinyModel(join(DATA_DIR, 'models'), 'conv', { name: 'tiny-conv' })).manifest,
  );
  let embedding = true;
  const runs = new RunService(
    db.prisma,
    datasets,
    cache,
    {
      embed: (task) => executor.embed(task),
      close: () => executor.close(),
    },
    new RunEvents(),
    { batchSize, concurrency: workers, leaseSeconds: 60, log: (line) => console.error(line) },
  );
  const run = await phase('evaluate (plan, embed, score)', async () => {
    const started = await runs.start({ datasetId: dataset.id, modelIds: [model.id] });
    // The sampler's phase follows the run: scoring starts when the last embed batch is done.
    const watch = setInterval(async () => {
      if (!embedding) return;
      const left = await db.prisma.runBatch.count({ where: { runId: started.id, kind: 'embed', status: { not: 'done' } } });
      if (left === 0 && embedding) {
        embedding = false;
        rss.enter('score');
      }
    }, 1000);
    await runs.drain();
    clearInterval(watch);
    return db.prisma.run.findUniqueOrThrow({ where: { id: started.id }, include: { evaluations: true } });
  });
  rss.stop();
  const cached = (await vectorCounts(db.pool)).vectors;
  if (run.status !== 'succeeded') cli.fail(`run ${run.status}: ${run.error}`);
  if (cached !== imageCount) cli.fail(`${cached} cache entries for ${imageCount} images`);

  const hwm = rss.highWaterMark();
  console.log(rss.table());
  console.log(
    `\nrun ${run.status}, score ${run.evaluations[0]?.score?.toFixed(6)}, ${cached.toLocaleString('en-US')} cache entries (one per image)`,
  );
  console.log(
    `peak RSS of the process (VmHWM, all threads): ${hwm.toFixed(0)} MiB (target <= ${LIMIT_MIB} MiB: ${hwm <= LIMIT_MIB ? 'MET' : 'MISSED'})`,
  );
  console.log(`end: ${loadLine()}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await executor.close();
  await db.close();
}
