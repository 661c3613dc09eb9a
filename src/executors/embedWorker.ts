// Worker-thread entry of the local executor: computes EmbedTasks' vectors (read, preprocess, infer) with one model session per file.
import { unlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type EmbedSettings, useEmbedSettings } from './embedSettings.js';
import type { EmbedTask } from './executor.js';
import { computeEmbeddings, type EmbeddedVectors } from './embedTask.js';

/** What each worker starts with. */
export interface EmbedWorkerData {
  /** The process's settings; absent: the defaults. */
  settings?: EmbedSettings;
  /** Test-only fault hook: see crashIfAsked. */
  crashHook?: string;
}

export interface WorkerRequest {
  taskId: number;
  task: EmbedTask;
}

export type WorkerReply = { taskId: number; result: EmbeddedVectors } | { taskId: number; error: string };

const { settings, crashHook } = (workerData ?? {}) as EmbedWorkerData;
if (settings) useEmbedSettings(settings);

/**
 * Test-only fault hook (test/faults.runs.test.ts, LocalExecutor's crashHook): `exit:<file>` or `throw:<file>` makes
 * the one worker that manages to delete <file> crash mid-task, after inference and before answering: process.exit
 * (the thread ends) or an uncaught exception.
 */
function crashIfAsked(): void {
  const [mode, file] = (crashHook ?? '').split(/:(.*)/s);
  if (!file) return;
  try {
    unlinkSync(file);
  } catch {
    return; // not asked, or another worker crashed already
  }
  if (mode === 'exit') process.exit(70);
  throw new Error('injected embed worker crash');
}

const port = parentPort!;
port.on('message', ({ taskId, task }: WorkerRequest) => {
  computeEmbeddings(task, 1).then(
    (result) => {
      crashIfAsked();
      port.postMessage(
        { taskId, result } satisfies WorkerReply,
        result.embedded.map((e) => e.vector.buffer as ArrayBuffer),
      );
    },
    (error: unknown) => port.postMessage({ taskId, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
