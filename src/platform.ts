// Boots the whole platform on one machine: database, services, local executor, API server; resumes unfinished runs.
import { join } from 'node:path';
import { DatasetService } from './catalog/datasetService.js';
import { ModelService } from './catalog/modelService.js';
import type { PlatformConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { EmbeddingCache } from './embedding/embeddingCache.js';
import { ensureAdminKey } from './api/apiKeys.js';
import { startApiServer, type ApiServer } from './api/server.js';
import { LocalExecutor } from './runs/localExecutor.js';
import { RunEvents } from './runs/runEvents.js';
import { RunService } from './runs/runService.js';

export interface Platform {
  config: PlatformConfig;
  db: Database;
  datasets: DatasetService;
  models: ModelService;
  runs: RunService;
  events: RunEvents;
  server: ApiServer;
  /** A newly generated admin key (print it once), or null. */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

export async function startPlatform(config: PlatformConfig, log: (line: string) => void): Promise<Platform> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pg'), log });
  const executor = new LocalExecutor(config.workers);
  const events = new RunEvents();
  const datasets = new DatasetService(db.prisma);
  const models = new ModelService(db.prisma);
  const runs = new RunService(db.prisma, datasets, new EmbeddingCache(db.prisma), executor, events, {
    batchSize: config.batchSize,
    concurrency: config.workers,
    log,
  });
  const generatedAdminKey = await ensureAdminKey(db.prisma, config.adminKey);
  const server = await startApiServer({ prisma: db.prisma, datasets, models, runs, events, publicQueries: config.publicQueries }, { port: config.port, log });
  const resumed = await runs.resumePending();
  if (resumed > 0) log(`resuming ${resumed} unfinished run(s)`);
  return {
    config,
    db,
    datasets,
    models,
    runs,
    events,
    server,
    generatedAdminKey,
    async close() {
      runs.beginShutdown();
      await server.close();
      await executor.close();
      await runs.drain();
      await db.close();
    },
  };
}
