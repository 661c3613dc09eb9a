// What bench/fanout and its child processes (fanoutFunctions, fanoutCoordinator) share: the clock, a call timer, their messages.
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { InvokeStats } from '../src/executors/lambdaExecutor.js';

/** Milliseconds since the epoch with performance.now()'s resolution: comparable between the processes of one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** Time spent in a function's calls, how many, and when the first began and the last ended (epochMs). */
export class Timer {
  calls = 0;
  ms = 0;
  first = Infinity;
  last = 0;

  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = epochMs();
    this.first = Math.min(this.first, start);
    try {
      return await work();
    } finally {
      const end = epochMs();
      this.calls++;
      this.last = Math.max(this.last, end);
      this.ms += end - start;
    }
  }

  toJSON(): TimerStats {
    return this.calls === 0
      ? { calls: 0, ms: 0, first: null, last: null }
      : { calls: this.calls, ms: this.ms, first: this.first, last: this.last };
  }
}

/** A Timer as sent between processes: first and last are null without a call. */
export interface TimerStats {
  calls: number;
  ms: number;
  first: number | null;
  last: number | null;
}

/** What a coordinator process is given (as its argument, JSON). */
export interface CoordinatorSettings {
  index: number;
  databaseUrl: string;
  /** The folder the dataset's manifest and images are under (the DatasetService's only root). */
  dataDir: string;
  endpoint: string;
  concurrency: number;
  batchSize: number;
  shards: number;
  leaseSeconds: number;
}

/** fanout -> coordinator: `run` to all at once (the first with `start`: it creates the run), `join` to the others once it has, `exit` at the end. */
export type ToCoordinator =
  | { type: 'run'; start?: { datasetId: string; modelId: string; options: unknown } }
  | { type: 'join' }
  | { type: 'exit' };

/** What a coordinator did between `run` and the moment its RunService drained (its own counts and CPU). */
export interface CoordinatorReport {
  index: number;
  pid: number;
  /** epochMs when this coordinator's runs.drain() returned. */
  drainedAt: number;
  cpuSeconds: number;
  /** Share of that time its event loop was busy. */
  eventLoop: number;
  embed: TimerStats;
  aggregate: TimerStats;
  invoke: InvokeStats;
  /** Bytes of embedding shards this coordinator read (scoring's input, when it scores or fans scoring out). */
  vectorBytesRead: number;
}

/** coordinator -> fanout. */
export type FromCoordinator =
  | { type: 'ready' }
  | { type: 'started'; runId: string; at: number }
  | ({ type: 'drained' } & CoordinatorReport)
  | { type: 'error'; message: string };

/**
 * What the function host prints as one JSON line on SIGTERM. More counters may be added as top-level fields;
 * bench/fanout prints `vectorBytesRead` (bytes of vectors the aggregate handler read) per image when it is a number.
 */
export interface FunctionHostStats {
  pid: number;
  /** Calls and milliseconds inside each handler (embed, aggregate, noop). */
  handlers: Record<string, { calls: number; ms: number }>;
  /** This process's CPU over its life, seconds. */
  cpuSeconds: number;
  [field: string]: unknown;
}

/**
 * Starts one of the bench's child entries (a .js file beside this one) with an IPC channel (it exits when the channel
 * closes); its stdout piped to this process, or onto this process's stderr.
 */
export function forkBenchChild(entry: string, args: string[], env: NodeJS.ProcessEnv, stdout: 'pipe' | 'stderr'): ChildProcess {
  const path = join(dirname(fileURLToPath(import.meta.url)), entry);
  return fork(path, args, { env, stdio: ['ignore', stdout === 'pipe' ? 'pipe' : 2, 'inherit', 'ipc'] });
}

/** In a child: exit when the bench process is gone (its IPC channel closed), so no child outlives it; `last` runs first. */
export function exitWithParent(last: () => Promise<unknown> = async () => undefined): void {
  process.on('disconnect', () => {
    last().finally(() => process.exit(1));
  });
}
