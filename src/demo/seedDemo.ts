// Seeds the demo: the committed Fashion-MNIST subset, the demo models, and one evaluation of all of them.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../platform.js';
import { isTerminalStatus } from '../runs/runService.js';
import { writeDemoModels } from './demoModels.js';

export const DEMO_MANIFEST = fileURLToPath(new URL('../../../demo/fashion-mnist/manifest.json', import.meta.url));

export interface DemoSeed {
  datasetId: string;
  modelIds: string[];
  runId: string;
}

/** Idempotent: reuses the dataset, models and a finished demo run from an earlier start. */
export async function seedDemo(platform: Platform, log: (line: string) => void): Promise<DemoSeed> {
  const { prisma } = platform.db;
  const dataset = (await prisma.dataset.findFirst({ where: { manifestPath: DEMO_MANIFEST } })) ?? (await platform.datasets.importDataset({ manifestPath: DEMO_MANIFEST }));
  const modelIds: string[] = [];
  for (const manifestPath of await writeDemoModels(join(platform.config.dataDir, 'demo-models'))) {
    const name = manifestPath.split('/').pop()!.replace(/\.json$/, '');
    const model = (await prisma.model.findFirst({ where: { name } })) ?? (await platform.models.register(manifestPath));
    modelIds.push(model.id);
  }
  const previous = await prisma.run.findFirst({
    where: { datasetId: dataset.id, status: 'succeeded', evaluations: { every: { modelId: { in: modelIds } } } },
    orderBy: { createdAt: 'desc' },
  });
  const run = previous ?? (await platform.runs.start({ datasetId: dataset.id, modelIds }));
  if (!previous) {
    log(`demo evaluation ${run.id} started (${modelIds.length} models on ${dataset.name})`);
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
  }
  return { datasetId: dataset.id, modelIds, runId: run.id };
}
