// One raw-inference session in its own thread: loads the model, then runs the batches it is told to on a ready tensor.
import { configureProcess } from '../src/config/applyConfig.js';
import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import type { ModelManifest } from '../src/inference/modelManifest.js';

configureProcess(); // the CORREMBED_* settings, as the commands apply them

const { manifest, threads } = workerData as { manifest: ModelManifest; threads: number };
const model = await EmbeddingModel.load(manifest, { threads });
const tensors = new Map<number, Float32Array>();

/** Values in the normalised range of real images; the contents do not change the work. */
function tensor(batch: number): Float32Array {
  let data = tensors.get(batch);
  if (!data) {
    data = Float32Array.from({ length: batch * model.imageSize }, (_, i) => ((i * 2654435761) % 1000) / 250 - 2);
    tensors.set(batch, data);
  }
  return data;
}

parentPort!.on('message', async (message: { batch: number; batches: number } | 'close') => {
  if (message === 'close') {
    await model.release();
    parentPort!.close();
    return;
  }
  const data = tensor(message.batch);
  for (let i = 0; i < message.batches; i++) await model.embed(data, message.batch);
  parentPort!.postMessage('done');
});
parentPort!.postMessage('ready');
