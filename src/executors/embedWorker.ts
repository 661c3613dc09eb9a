// Worker-thread entry of the local executor: computes EmbedTasks' vectors (read, preprocess, infer, encode) with one model session per file.
import { unlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type EmbedSettings, useEmbedSettings } from './embedSettings.js';
import { releaseModel } from '../inference/modelCache.js';
import type { EmbedTask, ModelReference } from './executor.js';
import { sessionKey } from './modelHomes.js';
import { computeEmbeddings, type ComputedEmbeddings, manifestOf } from './embedTask.js';

/** What each worker starts with. */
export interface EmbedWorkerData {
  /** The process's settings; absent: the defaults. */
  settings?: EmbedSettings;
  /** Test-only fault hook: see crashIfAsked. */
  crashHook?: string;
}

/** A task to compute, or a model whose session this worker no longer needs (released once no task of it runs here). */
export type WorkerRequest = { taskId: number; task: EmbedTask } | { release: ModelReference };

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

/** Sessions of the tasks running here, by session key: how many use each. */
const inUse = new Map<string, number>();
/** Sessions to release once no running task uses them. */
const toRelease = new Map<string, ModelReference>();
/** Releases under way: a task starts after them, so it never gets a session being released. */
let releasing: Promise<unknown> = Promise.resolve();

function track(task: EmbedTask, delta: 1 | -1): void {
  for (const model of task.models) {
    const key = sessionKey(model);
    const count = (inUse.get(key) ?? 0) + delta;
    if (count > 0) inUse.set(key, count);
    else inUse.delete(key);
    if (delta > 0) toRelease.delete(key);
  }
  releaseUnused();
}

function releaseUnused(): void {
  for (const [key, model] of toRelease) {
    if (inUse.has(key)) continue;
    toRelease.delete(key);
    releasing = Promise.allSettled([releasing, releaseModel(manifestOf(model))]);
  }
}

const port = parentPort!;
// Several tasks at once: one is read and decoded while another is inferred (embedImages.ts takes the turns).
port.on('message', (request: WorkerRequest) => {
  if ('release' in request) {
    toRelease.set(sessionKey(request.release), request.release);
    releaseUnused();
    return;
  }
  const { taskId, task } = request;
  track(task, 1);
  releasing
    .then(() => computeEmbeddings(task, 1))
    .finally(() => track(task, -1))
    .then(
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
