// Worker-thread entry for parallel scoring: prepares its GEMM kernel at once, then scores chunks of one pass's queries,
// taking the next unclaimed chunk from a shared counter until none is left (so a busier core simply takes fewer).
import { parentPort, workerData } from 'node:worker_threads';
import { openSimilarityKernelFactory } from '../linalg/kernelChoice.js';
import { type NativeBlasSettings, useNativeBlas } from '../linalg/nativeAddon.js';
import type { PreparedDataset } from './prepared.js';
import { representativeTargets } from './representatives.js';
import { openQueryRunScorer, type PassOptions, type PassResult } from './scorePass.js';

/** Known when the worker starts (before the dataset is ready), so the kernel is prepared meanwhile. */
export interface ShardWorkerSetup {
  dim: number;
  double: boolean;
}

export interface ShardJob {
  data: PreparedDataset;
  /** The pass's queries (image indices) in scoring order; chunk c is queries[chunks[c], chunks[c + 1]). */
  queries: Int32Array;
  chunks: Int32Array;
  /** Where queries[0] stands in the scoring order of the whole pass. */
  position: number;
  /** Shared counter: Atomics.add(next, 0, 1) claims the next chunk. */
  next: Int32Array;
  options: PassOptions;
}

/** What a shard worker starts with: its setup and the process's native BLAS settings. */
export interface ShardWorkerData extends ShardWorkerSetup {
  blas: NativeBlasSettings;
}

export type ShardMessage = { chunk: number; result: PassResult } | { done: true } | { error: string };

const { dim, double, blas } = workerData as ShardWorkerData;
useNativeBlas(blas);
const port = parentPort!;
// One GEMM thread per worker: the workers themselves are the parallelism.
const kernelFactory = openSimilarityKernelFactory(dim, double, 1);
kernelFactory.catch(() => undefined);

async function run(job: ShardJob): Promise<void> {
  // Each worker builds its own unit representatives from the shared embeddings: in parallel, in owned memory.
  const { targets } = representativeTargets(job.data, job.options.representative);
  const scorer = await openQueryRunScorer(job.data, targets, job.options, await kernelFactory);
  try {
    const chunkCount = job.chunks.length - 1;
    for (let c = Atomics.add(job.next, 0, 1); c < chunkCount; c = Atomics.add(job.next, 0, 1)) {
      const result = await scorer.score(job.queries.subarray(job.chunks[c], job.chunks[c + 1]), undefined, job.position + job.chunks[c]);
      port.postMessage({ chunk: c, result } satisfies ShardMessage);
    }
  } finally {
    await scorer.close();
  }
}

port.once('message', (job: ShardJob) => {
  run(job).then(
    () => port.postMessage({ done: true } satisfies ShardMessage),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ShardMessage),
  );
});
