// Worker-thread entry of the local executor: runs EmbedTasks (read, preprocess, infer) with one model session per file.
import { parentPort } from 'node:worker_threads';
import { embedImages } from '../embedding/embedImages.js';
import { getModel } from '../inference/modelCache.js';
import type { EmbedResult, EmbedTask } from './executor.js';

export interface WorkerRequest {
  taskId: number;
  task: EmbedTask;
}

export type WorkerReply = { taskId: number; result: EmbedResult } | { taskId: number; error: string };

async function run(task: EmbedTask): Promise<EmbedResult> {
  const model = await getModel(
    { name: task.model.name, file: task.model.onnxPath, preprocess: task.model.preprocess, output: task.model.outputName },
    { threads: 1 },
  );
  const { vectors, hashes, failed } = await embedImages(model, task.images, task.baseDir);
  return {
    embedded: task.images.flatMap((image) => {
      const vector = vectors.get(image.id);
      return vector ? [{ id: image.id, contentHash: hashes.get(image.id)!, vector }] : [];
    }),
    failed,
  };
}

const port = parentPort!;
port.on('message', ({ taskId, task }: WorkerRequest) => {
  run(task).then(
    (result) => port.postMessage({ taskId, result } satisfies WorkerReply, result.embedded.map((e) => e.vector.buffer as ArrayBuffer)),
    (error: unknown) => port.postMessage({ taskId, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
