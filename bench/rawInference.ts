// onnxruntime-node run() on a ready-made tensor: the inference ceiling an embedding pipeline is compared with.
import { performance } from 'node:perf_hooks';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import type { ModelManifest } from '../src/inference/modelManifest.js';

export interface RawInference {
  /** Images per second over `images` images in batches of `batch`, spread over the sessions, after one warm-up run each. */
  measure(images: number, batch: number): Promise<number>;
  close(): Promise<void>;
}

/** `sessions` sessions of `threads` intra-op threads each, with the platform's session options (EmbeddingModel). */
export async function rawInference(manifest: ModelManifest, sessions: number, threads: number): Promise<RawInference> {
  const models: EmbeddingModel[] = [];
  for (let i = 0; i < sessions; i++) models.push(await EmbeddingModel.load(manifest, { threads }));
  const tensors = new Map<number, Float32Array>();
  const tensor = (batch: number): Float32Array => {
    let data = tensors.get(batch);
    if (!data) {
      // Values in the normalised range of real images; the contents do not change the work.
      data = Float32Array.from({ length: batch * models[0].imageSize }, (_, i) => ((i * 2654435761) % 1000) / 250 - 2);
      tensors.set(batch, data);
    }
    return data;
  };
  return {
    async measure(images, batch) {
      const data = tensor(batch);
      await Promise.all(models.map((m) => m.embed(data, batch)));
      let left = Math.ceil(images / batch);
      const start = performance.now();
      await Promise.all(
        models.map(async (m) => {
          while (left > 0) {
            left--;
            await m.embed(data, batch);
          }
        }),
      );
      return (Math.ceil(images / batch) * batch) / ((performance.now() - start) / 1000);
    },
    async close() {
      await Promise.all(models.map((m) => m.release()));
    },
  };
}
