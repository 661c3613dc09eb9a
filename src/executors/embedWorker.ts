// Worker-thread entry of the local executor: computes EmbedTasks' vectors (read, preprocess, infer, encode) with one model session per file.
import { unlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type EmbedSettings, useEmbedSettings } from './embedSettings.js';
import type { EmbedTask } from './executor.js';
import { computeEmbeddings, type ComputedEmbeddings } from './embedTask.js';

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

/** A model's error crosses the thread as its message. */
export type WorkerReply = { taskId: number; result: ComputedEmbeddings } | { taskId: number; error: string };

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

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const port = parentPort!;
// Several tasks at once: one is read and decoded while another is inferred (embedImages.ts takes the turns).
port.on('message', ({ taskId, task }: WorkerRequest) => {
  computeEmbeddings(task, 1).then(
    (result) => {
      crashIfAsked();
      const models = result.models.map((part) => ('error' in part ? { error: message(part.error) } : part));
      port.postMessage(
        { taskId, result: { ...result, models } } satisfies WorkerReply,
        models.flatMap((part) => ('error' in part ? [] : [part.float16.buffer as ArrayBuffer])),
      );
    },
    (error: unknown) => port.postMessage({ taskId, error: message(error) } satisfies WorkerReply),
  );
});
