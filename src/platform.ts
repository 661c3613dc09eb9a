// Boots the whole platform on one machine: database, services, executor, API server, run events; resumes unfinished runs.
import { join } from 'node:path';
import { DatasetService } from './catalog/datasetService.js';
import { ModelService } from './catalog/modelService.js';
import type { PlatformConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { resolveDatabaseUrl } from './db/databaseSecret.js';
import { EmbeddingCache } from './embedding/embeddingCache.js';
import { ensureAdminKey } from './api/apiKeys.js';
import { startApiServer, type ApiServer } from './api/server.js';
import type { Executor } from './executors/executor.js';
import { LambdaExecutor } from './executors/lambdaExecutor.js';
import { LeaderboardCache } from './analysis/leaderboardCache.js';
import { LocalExecutor } from './executors/localExecutor.js';
import { PgEventBus } from './events/pgEventBus.js';
import { RunEvents } from './events/runEvents.js';
import { RunService } from './runs/runService.js';
import { credentialFreeLog } from './api/callerRedaction.js';

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

function createExecutor(config: PlatformConfig, cache: EmbeddingCache, log: (line: string) => void): Executor {
  return config.lambda ? new LambdaExecutor(config.lambda, log) : new LocalExecutor(config.workers, cache);
}

export async function startPlatform(config: PlatformConfig, rawLog: (line: string) => void): Promise<Platform> {
  const log = credentialFreeLog(rawLog);
  const databaseUrl = await resolveDatabaseUrl(config);
  const db = await openDatabase({ databaseUrl, dataDir: join(config.dataDir, 'pg'), log, poolSize: config.poolSize });
  // First: a revoked CORREMBED_ADMIN_KEY stops the start before anything else is running.
  let generatedAdminKey: string | null;
  try {
    generatedAdminKey = await ensureAdminKey(db.prisma, config.adminKey);
  } catch (error) {
    await db.close();
    throw error;
  }
  const cache = new EmbeddingCache(db.pool);
  const executor = createExecutor(config, cache, log);
  const events = new RunEvents(log);
  const bus = await PgEventBus.start(db.url, db.pool, events, log);
  const datasets = new DatasetService(db.prisma, config.inputSafety.manifestRoots);
  const models = new ModelService(db.prisma, config.inputSafety.manifestRoots);
  const runs = new RunService(db.prisma, datasets, cache, executor, events, {
    batchSize: config.batchSize,
    // Two batches per worker: one is decoded while the other is inferred (executors/localExecutor.ts).
    concurrency: config.lambda?.concurrency ?? 2 * config.workers,
    leaseSeconds: config.leaseSeconds,
    driveRuns: config.driveRuns,
    log,
  });
  const leaderboards = new LeaderboardCache(db.prisma, datasets, events);
  const server = await startApiServer(
    { prisma: db.prisma, datasets, models, runs, events, cache, publicQueries: config.publicQueries, leaderboards },
    { port: config.port, limits: config.api, log },
  );
  const resumed = await runs.resumePending();
  if (resumed > 0) log(`resuming ${resumed} unfinished run(s)`);
  // Joins runs recorded by other processes (the api function) or left behind by a process that died.
  runs.startSweeping(Math.min(15_000, Math.max(1000, (config.leaseSeconds * 1000) / 4)));
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
      await runs.shutdown();
      await bus.close();
      await db.close();
    },
  };
}
