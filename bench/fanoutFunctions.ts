// bench/fanout's function host: the embed and aggregate handlers (and a no-op one) behind a local Invoke endpoint, in a process of their own.
//
// Started by bench/fanout with DATABASE_URL (the bench database), CORREMBED_DATA_ROOTS (its folder) and the vector store. Prints
// {"endpoint":"http://127.0.0.1:<port>"} on stdout once it listens. On SIGTERM it closes the endpoint and its database
// connections (their backends exit, so PostgreSQL counts their statistics), prints its FunctionHostStats as one JSON
// line on stdout and exits. When bench/fanout is gone (killed), it drops the database and removes the folder it was
// given, then exits.
import { rmSync } from 'node:fs';
import { dropDatabase } from '../src/db/serverDatabase.js';
import type { EmbedResult } from '../src/executors/executor.js';
import { answer } from '../src/executors/invocationEnvelope.js';
import { type FunctionHandler, startInvokeHost } from '../src/executors/invokeHost.js';
import { Semaphore } from '../src/semaphore.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime, functionRuntime } from '../src/serverless/functionRuntime.js';
import { exitWithParent, type FunctionHostStats, Timer } from './fanoutShared.js';

// bench/fanout cleans up after itself unless it is killed outright: then this process does.
exitWithParent(async () => {
  await dropDatabase(process.env.DATABASE_URL!).catch(() => undefined);
  rmSync(process.env.CORREMBED_DATA_ROOTS!, { recursive: true, force: true });
});
const log = (line: string): void => console.error(`[fanout functions] ${line}`);
/**
 * Aggregate calls one at a time: each stands for a container of its own, which holds one scoring input and one
 * prepared pass (gigabytes at 200,000 images), and a container runs one invocation at a time. Embed calls overlap.
 */
const oneAggregate = new Semaphore(1);
async function aggregateAlone(event: unknown): ReturnType<typeof handleAggregate> {
  await oneAggregate.acquire();
  try {
    return await handleAggregate(event);
  } finally {
    oneAggregate.release();
  }
}

const handlers: Record<string, FunctionHandler> = {
  embed: handleEmbed,
  aggregate: aggregateAlone,
  // A bare invocation, for the calibration: no database, no work.
  noop: () => answer(async (): Promise<EmbedResult> => ({ models: [] })),
};
const timers = new Map(Object.keys(handlers).map((name) => [name, new Timer()]));
const host = await startInvokeHost({
  functions: Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, (event: unknown) => timers.get(name)!.time(() => handler(event))]),
  ),
  log,
});

/** The vector store's traffic in this process: shards the embed handler wrote, and those the aggregate handler read. */
async function extraStats(): Promise<Record<string, number>> {
  const { stats } = (await functionRuntime()).cache.store;
  return { vectorBytesRead: stats.bytesRead, vectorBytesWritten: stats.bytesWritten, shardsWritten: stats.objectsWritten };
}

process.once('SIGTERM', () => {
  const stop = async (): Promise<void> => {
    await host.close();
    const extra = await extraStats();
    await closeFunctionRuntime();
    const cpu = process.cpuUsage();
    const stats: FunctionHostStats = {
      pid: process.pid,
      handlers: Object.fromEntries([...timers].map(([name, timer]) => [name, { calls: timer.calls, ms: timer.ms }])),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...extra,
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`, () => process.exit(0));
  };
  stop().catch((error: Error) => {
    log(`shutdown: ${error.message}`);
    process.exit(1);
  });
});
console.log(JSON.stringify({ endpoint: host.endpoint }));
