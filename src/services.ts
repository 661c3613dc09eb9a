// The composition root: builds every service from the configuration, the one place the server, the CLI and the functions wire them.
import { join } from 'node:path';
import { LeaderboardCache } from './analysis/leaderboardCache.js';
import { ApiKeyService } from './api/apiKeyService.js';
import { ensureAdminKey } from './api/apiKeys.js';
import type { ApiServices } from './api/apiServices.js';
import { AuditLog } from './api/auditLog.js';
import { credentialFreeLog } from './api/callerRedaction.js';
import { DatasetService } from './catalog/datasetService.js';
import { ModelService } from './catalog/modelService.js';
import type { PlatformConfig } from './config.js';
import { applyConfig, embedSettings } from './config/applyConfig.js';
import { openDatabase, type Database } from './db/database.js';
import { resolveDatabaseUrl } from './db/databaseSecret.js';
import { EmbeddingCache } from './embedding/embeddingCache.js';
import { moveLegacyVectors } from './embedding/legacyVectors.js';
import { ConfigError } from './errors.js';
import { notifyTransport, PgEventBus } from './events/pgEventBus.js';
import { RunEvents } from './events/runEvents.js';
import type { Executor } from './executors/executor.js';
import { LambdaExecutor } from './executors/lambdaExecutor.js';
import { LocalExecutor } from './executors/localExecutor.js';
import { GalleryService } from './gallery/galleryService.js';
import { RunService } from './runs/runService.js';
import { VectorStore } from './storage/vectorStore.js';

/**
 * What a process is for:
 * - `server`: the long-lived service: drives runs on the configured executor, receives every process's run events
 *   over LISTEN/NOTIFY, keeps leaderboards in memory, makes sure an admin key exists;
 * - `function`: a function container (api, embed, aggregate): records runs only (the service drives them), publishes
 *   run events by NOTIFY, needs a database server (DATABASE_URL or DATABASE_SECRET_ARN), two connections;
 * - `command`: a one-off CLI command against the database (embedded when DATABASE_URL is unset), two connections.
 */
export type ProcessRole = 'server' | 'function' | 'command';

export interface Services extends ApiServices {
  config: PlatformConfig;
  db: Database;
  /** The log every service writes to, credentials removed. */
  log: (line: string) => void;
  /** A newly generated admin key (server: print it once), or null. */
  generatedAdminKey: string | null;
  /** Stops the executor, waits for the runs' work to settle, closes the event transport and the database. */
  close(): Promise<void>;
}

/** A function container or a command serves one thing at a time: two connections, so a thousand stay within a server's limits. */
const SMALL_POOL = 2;

async function openDatabaseFor(config: PlatformConfig, role: ProcessRole, log: (line: string) => void): Promise<Database> {
  const databaseUrl = await resolveDatabaseUrl(config);
  if (role === 'function' && databaseUrl === undefined)
    throw new ConfigError('DATABASE_URL', 'must be set for functions (or DATABASE_SECRET_ARN)');
  const poolSize = config.poolSize ?? (role === 'server' ? undefined : SMALL_POOL);
  return openDatabase({ databaseUrl, dataDir: join(config.dataDir, 'pg'), log, poolSize });
}

/** The engine the executor setting names. */
function createExecutor(config: PlatformConfig, cache: EmbeddingCache, log: (line: string) => void): Executor {
  switch (config.executor) {
    case 'local':
      return new LocalExecutor(config.workers, cache, { settings: embedSettings(config) });
    case 'lambda':
    case 'gpu': // the Lambda executor with its embed calls sent to the GPU pool's endpoint
      return new LambdaExecutor(config.lambda!, log);
  }
}

/** Opens the database and builds the services over it, as `role` needs them. */
export async function composeServices(config: PlatformConfig, role: ProcessRole, rawLog: (line: string) => void): Promise<Services> {
  const log = credentialFreeLog(rawLog);
  applyConfig(config);
  const db = await openDatabaseFor(config, role, log);
  let generatedAdminKey: string | null = null;
  let bus: PgEventBus | null = null;
  let executor: Executor | null = null;
  try {
    // First: a revoked CORREMBED_ADMIN_KEY stops the server before anything else is running.
    if (role === 'server') generatedAdminKey = await ensureAdminKey(db.prisma, config.adminKey);
    const cache = new EmbeddingCache(db.pool, new VectorStore(config.storage.vectorStore));
    if (role !== 'function') await moveLegacyVectors(db.pool, cache, log);
    const events = new RunEvents(log);
    const driveRuns = role === 'server' && config.driveRuns;
    if (role === 'server') bus = await PgEventBus.start(db.url, db.pool, events, log);
    else events.attach(notifyTransport(db.pool));
    if (driveRuns) executor = createExecutor(config, cache, log);
    const datasets = new DatasetService(db.prisma, config.inputSafety.manifestRoots);
    const models = new ModelService(db.prisma, config.inputSafety.manifestRoots);
    const runs = new RunService(db.prisma, datasets, cache, executor, events, {
      batchSize: config.batchSize,
      modelsPerBatch: config.modelsPerBatch,
      // Two batches per worker: one is decoded while the other is inferred (executors/localExecutor.ts).
      concurrency: config.lambda?.concurrency ?? 2 * config.workers,
      leaseSeconds: config.leaseSeconds,
      driveRuns,
      log,
    });
    const openBus = bus;
    const openExecutor = executor;
    return {
      config,
      db,
      log,
      generatedAdminKey,
      prisma: db.prisma,
      cache,
      events,
      datasets,
      models,
      runs,
      gallery: new GalleryService(db.prisma, datasets, models, cache),
      apiKeys: new ApiKeyService(db.prisma),
      auditLog: new AuditLog(db.prisma, log),
      publicQueries: config.publicQueries,
      leaderboards: role === 'server' ? new LeaderboardCache(db.prisma, datasets, events) : undefined,
      async close() {
        runs.beginShutdown();
        await openExecutor?.close();
        await runs.shutdown();
        await openBus?.close();
        await db.close();
      },
    };
  } catch (error) {
    await executor?.close();
    await bus?.close();
    await db.close();
    throw error;
  }
}
