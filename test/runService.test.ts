// Runs through the services against the real PostgreSQL: the embedding cache makes a repeated evaluation inference-free.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DatasetService } from '../src/catalog/datasetService.js';
import { ModelService } from '../src/catalog/modelService.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from '../src/db/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import type { EmbedTask, Executor } from '../src/runs/executor.js';
import { LocalExecutor } from '../src/runs/localExecutor.js';
import { RunEvents } from '../src/runs/runEvents.js';
import { RunService } from '../src/runs/runService.js';

/** The real local executor, counting the images it is asked to embed. */
class CountingExecutor implements Executor {
  embedded = 0;
  private readonly inner = new LocalExecutor(2);

  embed(task: EmbedTask) {
    this.embedded += task.images.length;
    return this.inner.embed(task);
  }

  close() {
    return this.inner.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'corrembed-runs-'));
let db: Database;
let executor: CountingExecutor;
let runs: RunService;
let datasetId: string;
let modelId: string;

before(async () => {
  db = await createTestDatabase();
  await mkdir(join(dir, 'images'));
  const items = [];
  const images = [];
  for (let i = 0; i < 12; i++) {
    const rgb = { r: (i * 40) % 256, g: (i * 90) % 256, b: (i * 150) % 256 };
    await sharp({ create: { width: 20 + i, height: 24, channels: 3, background: rgb } }).png().toFile(join(dir, 'images', `${i}.png`));
    items.push({ id: `i${i}`, tags: [{ category: 'Tone', name: i % 3 === 0 ? 'dark' : 'light' }, { category: 'Group', name: `g${i % 4}` }] });
    images.push({ id: `p${i}`, item: `i${i}`, uri: `images/${i}.png` });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'tones', categoryWeights: {}, items, images }));
  const datasets = new DatasetService(db.prisma);
  const models = new ModelService(db.prisma);
  datasetId = (await datasets.importDataset({ manifestPath: join(dir, 'manifest.json') })).id;
  modelId = (await models.register((await writeDemoModels(join(dir, 'models')))[2])).id;
  executor = new CountingExecutor();
  runs = new RunService(db.prisma, datasets, new EmbeddingCache(db.prisma), executor, new RunEvents(), { batchSize: 5, concurrency: 2 });
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
  const cached = await db.prisma.embeddingCacheEntry.count();
  assert.equal(cached, 12);
});
