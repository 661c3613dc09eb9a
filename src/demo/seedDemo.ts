// Seeds the demo: the committed Fashion-MNIST subset, the demo models and the trained zoo, and an evaluation of each.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Services } from '../services.js';
import { isTerminalStatus } from '../runs/runService.js';
import { writeDemoModels } from './demoModels.js';

export const DEMO_MANIFEST = fileURLToPath(new URL('../../../demo/fashion-mnist/manifest.json', import.meta.url));

export interface DemoSeed {
  datasetId: string;
  modelIds: string[];
  runId: string;
}

/** The Fashion-MNIST zoo (trained networks with a measured accuracy, so the accuracy fit has points). */
export const ZOO_DIR = fileURLToPath(new URL('../../../models/zoo/', import.meta.url));

async function demoModelManifests(dataDir: string): Promise<string[]> {
  const zoo = (await readdir(ZOO_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(ZOO_DIR, f));
  return [...(await writeDemoModels(join(dataDir, 'demo-models'))), ...zoo];
}

/** Idempotent: reuses the dataset and models of an earlier start, and evaluates only the models without a finished evaluation. */
export async function seedDemo(platform: Services, log: (line: string) => void): Promise<DemoSeed> {
  const { prisma } = platform.db;
  const dataset =
    (await prisma.dataset.findFirst({ where: { manifestPath: DEMO_MANIFEST } })) ??
    (await platform.datasets.importDataset({ manifestPath: DEMO_MANIFEST }));
  const modelIds: string[] = [];
  for (const manifestPath of await demoModelManifests(platform.config.dataDir)) {
    const name = manifestPath
      .split('/')
      .pop()!
      .replace(/\.json$/, '');
    const model = (await prisma.model.findFirst({ where: { name } })) ?? (await platform.models.register(manifestPath));
    modelIds.push(model.id);
  }
  const evaluated = await prisma.evaluation.findMany({
    where: { status: 'succeeded', modelId: { in: modelIds }, run: { datasetId: dataset.id } },
    orderBy: { finishedAt: 'desc' },
  });
  const missing = modelIds.filter((id) => !evaluated.some((e) => e.modelId === id));
  if (missing.length === 0) return { datasetId: dataset.id, modelIds, runId: evaluated[0].runId };
  const run = await platform.runs.start({ datasetId: dataset.id, modelIds: missing });
  log(`demo evaluation ${run.id} started (${missing.length} models on ${dataset.name})`);
  const completed = platform.events.subscribe('completed', run.id);
  try {
    let current = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    while (!isTerminalStatus(current.status)) {
      await completed.next();
      current = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    }
  } finally {
    await completed.return?.();
  }
  return { datasetId: dataset.id, modelIds, runId: run.id };
}
