// Worker-thread entry for parallel scoring: scores one shard of queries with its own single-threaded GEMM session.
import { parentPort, workerData } from 'node:worker_threads';
import { ortSimilarityKernelFactory } from '../linalg/ortSimilarityKernel.js';
import type { FloatArray } from '../linalg/similarityKernel.js';
import type { PreparedDataset } from './prepared.js';
import { scoreShard, type PassOptions, type PassResult } from './scorePass.js';

export interface ShardJob {
  data: PreparedDataset;
  targets: FloatArray;
  queries: Int32Array;
  options: PassOptions;
}

export type ShardMessage = { progress: number } | { result: PassResult } | { error: string };

const job = workerData as ShardJob;
const port = parentPort!;
scoreShard(job.data, job.targets, job.queries, job.options, ortSimilarityKernelFactory({ threads: 1 }), (done) => port.postMessage({ progress: done } satisfies ShardMessage)).then(
  (result) => port.postMessage({ result } satisfies ShardMessage),
  (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ShardMessage),
);
