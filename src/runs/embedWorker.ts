// Worker-thread entry of the local executor: computes EmbedTasks' vectors (read, preprocess, infer) with one model session per file.
import { parentPort } from 'node:worker_threads';
import type { EmbedTask } from './executor.js';
import { computeEmbeddings, type EmbeddedVectors } from './embedTask.js';

export interface WorkerRequest {
  taskId: number;
  task: EmbedTask;
}

export type WorkerReply = { taskId: number; result: EmbeddedVectors } | { taskId: number; error: string };

const port = parentPort!;
port.on('message', ({ taskId, task }: WorkerRequest) => {
  computeEmbeddings(task, 1).then(
    (result) => port.postMessage({ taskId, result } satisfies WorkerReply, result.embedded.map((e) => e.vector.buffer as ArrayBuffer)),
    (error: unknown) => port.postMessage({ taskId, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
