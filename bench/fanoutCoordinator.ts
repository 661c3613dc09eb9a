// One coordinator process of bench/fanout: RunService (BatchStore leases) + LambdaExecutor against the function host; starts or joins the run.
//
// Built as the service builds itself to drive runs (services.ts, role `server`): run events over LISTEN/NOTIFY, so a
// run another coordinator starts is joined through RunService's launch path; bench/fanout's `join` then calls
// resumePending() (a no-op once joined) and waits for the drain. Settings: one JSON argument (CoordinatorSettings).
// Talks to bench/fanout over the IPC channel (fanoutShared.ts) and exits when it is gone.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { DatasetService } from '../src/catalog/datasetService.js';
import { openDatabase } from '../src/db/database.js';
import { loadConfig } from '../src/config.js';
import { applyConfig } from '../src/config/applyConfig.js';
import { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import { PgEventBus } from '../src/events/pgEventBus.js';
import { RunEvents } from '../src/events/runEvents.js';
import type { Executor } from '../src/executors/executor.js';
import { LambdaExecutor } from '../src/executors/lambdaExecutor.js';
import { RunService } from '../src/runs/runService.js';
import { VectorStore } from '../src/storage/vectorStore.js';
import { type CoordinatorSettings, epochMs, exitWithParent, type FromCoordinator, Timer, type ToCoordinator } from './fanoutShared.js';

/**
 * Makes PostgreSQL count what the pool's connections did so far: a backend sends its statistics at most once a second
 * and, once idle, up to 10 s later (PostgreSQL 15+); pg_stat_force_next_flush() has each one send them now. Call it
 * while the pool is idle.
 */
async function flushStatistics(pool: pg.Pool): Promise<void> {
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    await Promise.all(clients.map((client) => client.query('SELECT pg_stat_force_next_flush()')));
  } finally {
    for (const client of clients) client.release();
  }
}

exitWithParent();
const settings = JSON.parse(process.argv[2]) as CoordinatorSettings;
const log = (line: string): void => console.error(`[fanout coordinator ${settings.index}] ${line}`);
const send = (message: FromCoordinator): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

// The vector store and S3 endpoint come from the environment bench/fanout gives every process.
const config = loadConfig();
applyConfig(config);
const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: '', log });
const cache = new EmbeddingCache(db.pool, new VectorStore(config.storage.vectorStore));
const events = new RunEvents(log);
const bus = await PgEventBus.start(db.url, db.pool, events, log);
const lambda = new LambdaExecutor(
  {
    embedFunction: 'embed',
    aggregateFunction: 'aggregate',
    region: 'us-east-1',
    endpoint: settings.endpoint,
    gpuEndpoint: undefined,
    concurrency: settings.concurrency,
    shards: settings.shards,
    timeoutMs: 300_000,
    maxAttempts: 8,
  },
  log,
);
const embed = new Timer();
const aggregate = new Timer();
const executor: Executor = {
  embed: (task) => embed.time(() => lambda.embed(task)),
  aggregate: { shards: settings.shards, run: (task) => aggregate.time(() => lambda.aggregate!.run(task)) },
  close: () => lambda.close(),
};
const datasets = new DatasetService(db.prisma, [settings.dataDir]);
const runs = new RunService(db.prisma, datasets, cache, executor, events, {
  batchSize: settings.batchSize,
  concurrency: settings.concurrency,
  leaseSeconds: settings.leaseSeconds,
  log,
});
// Opening the database ran a few statements: counted by PostgreSQL now, not during the run.
await flushStatistics(db.pool);

let mark = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() };

async function drainAndReport(): Promise<void> {
  await runs.drain();
  const drainedAt = epochMs();
  const cpu = process.cpuUsage(mark.cpu);
  await send({
    type: 'drained',
    index: settings.index,
    pid: process.pid,
    drainedAt,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    eventLoop: performance.eventLoopUtilization(mark.elu).utilization,
    embed: embed.toJSON(),
    aggregate: aggregate.toJSON(),
    invoke: { ...lambda.stats },
    vectorBytesRead: cache.store.stats.bytesRead,
  });
}

async function handle(message: ToCoordinator): Promise<void> {
  switch (message.type) {
    case 'run': {
      mark = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() };
      if (!message.start) return;
      const at = epochMs();
      const run = await runs.start({
        datasetId: message.start.datasetId,
        modelIds: [message.start.modelId],
        options: message.start.options,
      });
      await send({ type: 'started', runId: run.id, at });
      return drainAndReport();
    }
    case 'join':
      await runs.resumePending();
      return drainAndReport();
    case 'exit':
      // The connections close, so their backends' last statistics reach PostgreSQL's counters.
      await bus.close();
      await lambda.close();
      await db.close();
      process.exit(0);
  }
}

process.on('message', (message: ToCoordinator) => {
  handle(message).catch(async (error: Error) => {
    await send({ type: 'error', message: `coordinator ${settings.index}: ${error.stack ?? error.message}` });
    process.exit(1);
  });
});
await send({ type: 'ready' });
