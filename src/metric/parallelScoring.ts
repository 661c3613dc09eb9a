// Runs the scoring pass on the calling thread or, for large problems, as query shards on worker threads.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { openSimilarityKernelFactory } from '../linalg/kernelChoice.js';
import { loadBlasGemm, nativeBlasSettings, scoringBlasGemm } from '../linalg/nativeAddon.js';
import type { SimilarityKernelFactory } from '../linalg/similarityKernel.js';
import { hasCoarseRounding } from './options.js';
import type { PreparedDataset } from './prepared.js';
import { representativeTargets } from './representatives.js';
import { mergeRetrievalStates } from './retrieval.js';
import { blockSizeFor, QUERY_ROW_GROUP, scoreShard, type PassOptions, type PassResult, type ProgressListener } from './scorePass.js';
import type { ShardJob, ShardMessage, ShardWorkerData, ShardWorkerSetup } from './shardWorker.js';

/** Below this many multiply-adds, starting worker threads costs more than it saves. */
export const DEFAULT_PARALLEL_WORK = 2e10;

export interface PassContext {
  /** A custom kernel runs on the calling thread. */
  kernelFactory?: SimilarityKernelFactory;
  threads?: number;
  /** Multiply-adds from which the shards go to worker threads (default DEFAULT_PARALLEL_WORK). */
  parallelWork?: number;
  onProgress?: ProgressListener;
  /** Where `queries` start in the scoring order of their whole pass, when they are a shard of it (default 0). */
  position?: number;
  /** The calling thread may score a large pass itself (see callingThreadScores; default false: a server's event loop stays free). */
  callingThread?: boolean;
}

/** Up to this many cores, one thread's per-query work keeps up with the native GEMM on all of them. */
const CALLING_THREAD_MAX_CORES = 4;

/**
 * Whether a large pass runs on the calling thread, with the native GEMM on `threads` threads, instead of on worker
 * threads with one GEMM thread each: when the caller allows it (one-shot commands) and the native kernel is there,
 * up to CALLING_THREAD_MAX_CORES. On 2 cores this took 0.8 s less CPU than two workers at 20,000 x 8,000 x 2048
 * (no worker starts, one set of unit representatives) and 8% less time, with or without the extras; with more
 * cores the workers also share the per-query work.
 */
export function callingThreadScores(threads: number, callingThread: boolean): boolean {
  return callingThread && threads <= CALLING_THREAD_MAX_CORES && scoringBlasGemm() !== null;
}

/**
 * Splits the queries, grouped by item, into `count` contiguous shards (positions into `queries`) whose sizes differ
 * by at most one; shards are empty only when there are fewer queries than shards. In shard order, the shards run
 * through the queries in the order a single pass scores them; they are views of one array, so a shard's byteOffset
 * tells where it starts in that order.
 */
export function shardQueries(data: PreparedDataset, queries: Int32Array, count: number): Int32Array[] {
  const positions = Int32Array.from({ length: queries.length }, (_, p) => p).sort(
    (a, b) => data.imageItem[queries[a]] - data.imageItem[queries[b]] || a - b,
  );
  const n = positions.length;
  return Array.from({ length: count }, (_, i) => positions.subarray(Math.floor((i * n) / count), Math.floor(((i + 1) * n) / count)));
}

/** Puts together the results of shards (in shard order, as from shardQueries): per-query values at their positions. */
export function mergeShardResults(
  shards: Int32Array[],
  results: PassResult[],
  queryCount: number,
  categoryCount: number,
  options: Pick<PassOptions, 'perCategory' | 'retrievalK'>,
): PassResult {
  const C = categoryCount;
  const r = new Float64Array(queryCount);
  const categoryR = options.perCategory ? new Float64Array(queryCount * C) : null;
  shards.forEach((positions, i) => {
    positions.forEach((p, k) => {
      r[p] = results[i].r[k];
      if (categoryR) categoryR.set(results[i].categoryR!.subarray(k * C, (k + 1) * C), p * C);
    });
  });
  const retrieval = options.retrievalK
    ? mergeRetrievalStates(
        options.retrievalK,
        results.map((result) => result.retrieval!),
      )
    : null;
  return { r, categoryR, retrieval };
}

const WORKER_URL = new URL('./shardWorker.js', import.meta.url);

/** Workers started ahead of time (see prewarmScoringWorkers), not yet given a shard. */
let warm: { setup: ShardWorkerSetup; workers: Worker[] } | null = null;

function spawn(setup: ShardWorkerSetup): Worker {
  // The main thread loads OpenBLAS first, so the library loads once with the environment it chose (nativeAddon.ts).
  loadBlasGemm();
  const worker = new Worker(WORKER_URL, { workerData: { ...setup, blas: nativeBlasSettings() } satisfies ShardWorkerData });
  worker.unref();
  return worker;
}

/**
 * Starts the scoring workers of a large problem early, so they load onnxruntime and open their GEMM sessions while
 * the caller is still reading the data. Unused workers do not keep the process alive.
 */
export function prewarmScoringWorkers(
  images: number,
  dim: number,
  options: { precision: string; roundSimilarity: number | null },
  context: Pick<PassContext, 'threads' | 'callingThread'> = {},
): void {
  const threads = context.threads ?? availableParallelism();
  const likelyWork = images * (images / 2) * dim;
  if (threads < 2 || likelyWork < DEFAULT_PARALLEL_WORK || warm || callingThreadScores(threads, context.callingThread ?? false)) return;
  const double = options.precision === 'float64' || (options.precision === 'auto' && hasCoarseRounding(options));
  const setup = { dim, double };
  warm = { setup, workers: Array.from({ length: threads }, () => spawn(setup)) };
}

function takeWorkers(count: number, setup: ShardWorkerSetup): Worker[] {
  const reusable = warm !== null && warm.setup.dim === setup.dim && warm.setup.double === setup.double;
  const workers = reusable ? warm!.workers.splice(0, count) : [];
  for (const leftover of warm?.workers ?? []) void leftover.terminate();
  warm = null;
  while (workers.length < count) workers.push(spawn(setup));
  return workers;
}

/**
 * Bounds of the chunks the workers claim, over `count` queries in scoring order: whole blocks first, then smaller
 * ones (down to a quarter block) as the end nears, so the workers finish close together even when other work on
 * the machine slows one of them. Chunks are whole query row groups, so the kernel pads none but the last. The block
 * size does not change any product, so neither does the chunking.
 */
export function chunkBounds(count: number, blockSize: number, workers: number): Int32Array {
  const group = (rows: number): number => Math.max(QUERY_ROW_GROUP, Math.ceil(rows / QUERY_ROW_GROUP) * QUERY_ROW_GROUP);
  const smallest = group(blockSize / 4);
  const bounds = [0];
  for (let start = 0; start < count; ) {
    const remaining = count - start;
    start += Math.min(remaining, Math.max(smallest, Math.min(blockSize, group(remaining / (2 * workers)))));
    bounds.push(start);
  }
  return Int32Array.from(bounds);
}

/** Runs one worker over the job's chunks until none is left; stores each chunk's result at its index. */
function runWorker(worker: Worker, job: ShardJob, results: PassResult[], onChunk: (chunk: number) => void): Promise<void> {
  worker.ref();
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => reject(error);
    worker.on('message', (message: ShardMessage) => {
      if ('chunk' in message) {
        results[message.chunk] = message.result;
        onChunk(message.chunk);
      } else if ('done' in message) resolve();
      else fail(new Error(`scoring worker: ${message.error}`));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => code !== 0 && fail(new Error(`scoring worker exited with code ${code}`)));
    worker.postMessage(job);
  }).finally(() => void worker.terminate());
}

/** Per-query results in the order of `queries`, whichever way they were computed. */
export async function runScorePass(
  data: PreparedDataset,
  queries: Int32Array,
  options: PassOptions,
  context: PassContext = {},
): Promise<PassResult> {
  const rows = options.representative === 'nearest' ? data.imageIds.length : data.itemIds.length;
  const threads = Math.max(1, context.threads ?? availableParallelism());
  const work = queries.length * rows * data.dim;
  const small = work < (context.parallelWork ?? DEFAULT_PARALLEL_WORK);
  const native = !context.kernelFactory && !small && callingThreadScores(threads, context.callingThread ?? false);
  if (context.kernelFactory || threads === 1 || small || native) {
    const kernelFactory =
      context.kernelFactory ?? (await openSimilarityKernelFactory(data.dim, data.vectors instanceof Float64Array, threads));
    const { targets } = representativeTargets(data, options.representative);
    // The native kernel reuses its outputs: each GEMM thread gets rows for up to 64 MiB of products.
    const passOptions =
      native && options.blockSize === undefined ? { ...options, blockSize: blockSizeFor(rows, threads, 2 ** 24) } : options;
    return scoreShard(data, targets, queries, passOptions, kernelFactory, context.onProgress, context.position ?? 0);
  }
  // The queries in scoring order (grouped by item), cut into chunks that the workers claim one at a time.
  const [positions] = shardQueries(data, queries, 1);
  const bounds = chunkBounds(positions.length, options.blockSize ?? blockSizeFor(rows), threads);
  const chunkCount = bounds.length - 1;
  const job: ShardJob = {
    data,
    queries: Int32Array.from(positions, (p) => queries[p]),
    chunks: bounds,
    position: context.position ?? 0,
    next: new Int32Array(new SharedArrayBuffer(4)),
    options,
  };
  const workers = takeWorkers(Math.min(threads, chunkCount), { dim: data.dim, double: data.vectors instanceof Float64Array });
  const results = new Array<PassResult>(chunkCount);
  let done = 0;
  await Promise.all(
    workers.map((worker) =>
      runWorker(worker, job, results, (c) => {
        done += bounds[c + 1] - bounds[c];
        context.onProgress?.(done, queries.length);
      }),
    ),
  );
  const chunks = Array.from({ length: chunkCount }, (_, c) => positions.subarray(bounds[c], bounds[c + 1]));
  return mergeShardResults(chunks, results, queries.length, data.tags.categories.length, options);
}
