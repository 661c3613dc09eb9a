// Worker-thread entry for parallel scoring: opens its GEMM session at once, then scores one shard of queries.
import { parentPort, workerData } from 'node:worker_threads';
import { createGemmSession, kernelOnSession } from '../linalg/ortSimilarityKernel.js';
import type { PreparedDataset } from './prepared.js';
import { representativeTargets } from './representatives.js';
import { scoreShard, type PassOptions, type PassResult } from './scorePass.js';

/** Known when the worker starts (before the dataset is ready), so the session is created meanwhile. */
export interface ShardWorkerSetup {
  dim: number;
  double: boolean;
}

export interface ShardJob {
  data: PreparedDataset;
  queries: Int32Array;
  options: PassOptions;
}

export type ShardMessage = { progress: number } | { result: PassResult } | { error: string };

const { dim, double } = workerData as ShardWorkerSetup;
const port = parentPort!;
const session = createGemmSession(dim, double, 1);
session.catch(() => undefined);

async function run(job: ShardJob): Promise<PassResult> {
  // Each worker builds its own unit representatives from the shared embeddings: in parallel, in owned memory.
  const { targets } = representativeTargets(job.data, job.options.representative);
  const ready = await session;
  return scoreShard(job.data, targets, job.queries, job.options, async (t, rows) => kernelOnSession(ready, t, rows, dim), (done) =>
    port.postMessage({ progress: done } satisfies ShardMessage),
  );
}

port.once('message', (job: ShardJob) => {
  run(job).then(
    (result) => port.postMessage({ result } satisfies ShardMessage),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ShardMessage),
  );
});
