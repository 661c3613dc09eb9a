// onnxruntime-node run() on a ready-made tensor: the inference ceiling an embedding pipeline is compared with.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ModelManifest } from '../src/inference/modelManifest.js';

export interface RawInference {
  /** One batch of `batch` per session, untimed: call before measure, outside any CPU-time window. */
  warmUp(batch: number): Promise<void>;
  /** Images per second over `images` images in batches of `batch`, split over the sessions (warm them up first). */
  measure(images: number, batch: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * `sessions` sessions of `threads` intra-op threads each, with the platform's session options (EmbeddingModel), each
 * in its own worker thread as the platform's are: run() calls from one thread do not compute fully in parallel.
 */
export async function rawInference(manifest: ModelManifest, sessions: number, threads: number): Promise<RawInference> {
  const workers = Array.from(
    { length: sessions },
    () => new Worker(new URL('./rawInferenceWorker.js', import.meta.url), { workerData: { manifest, threads } }),
  );
  await Promise.all(workers.map((w) => once(w, 'message')));
  const run = (batch: number, batches: number) =>
    Promise.all(
      workers.map((w, i) => {
        const share = Math.floor(batches / sessions) + (i < batches % sessions ? 1 : 0);
        w.postMessage({ batch, batches: share });
        return once(w, 'message');
      }),
    );
  return {
    async warmUp(batch) {
      await run(batch, sessions);
    },
    async measure(images, batch) {
      const batches = Math.ceil(images / batch);
      const start = performance.now();
      await run(batch, batches);
      return (batches * batch) / ((performance.now() - start) / 1000);
    },
    async close() {
      await Promise.all(
        workers.map((w) => {
          w.postMessage('close');
          return once(w, 'exit');
        }),
      );
    },
  };
}
