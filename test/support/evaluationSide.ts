// A fresh database holding one dataset and registered models: one side of a comparison of engines or run shapes.
import { DatasetService } from '../../src/catalog/datasetService.js';
import { ModelService } from '../../src/catalog/modelService.js';
import type { Database } from '../../src/db/database.js';
import type { EmbeddingCache } from '../../src/embedding/embeddingCache.js';
import { createTestDatabase } from './testDatabase.js';
import { shardCache } from './vectorShards.js';

export interface Side {
  db: Database;
  datasets: DatasetService;
  cache: EmbeddingCache;
  datasetId: string;
  /** Registered model ids, in the order of the manifests given. */
  modelIds: string[];
}

/** Imports the dataset (its images under `datasetRoots`) and registers the models (under `modelRoots`). */
export async function createSide(
  manifestPath: string,
  modelPaths: string[],
  roots: { datasets: string[]; models: string[] },
): Promise<Side> {
  const db = await createTestDatabase();
  const datasets = new DatasetService(db.prisma, roots.datasets);
  const models = new ModelService(db.prisma, roots.models);
  const datasetId = (await datasets.importDataset({ manifestPath })).id;
  const modelIds = [];
  for (const path of modelPaths) modelIds.push((await models.register(path)).id);
  return { db, datasets, cache: shardCache(db.pool), datasetId, modelIds };
}
