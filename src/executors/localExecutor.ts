// The local executor: a pool of worker threads (default one per core) running embed tasks; crashed workers are replaced.
import { Worker } from 'node:worker_threads';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { EmbedResult, EmbedTask, Executor } from './executor.js';
import { storeEmbeddings, type EmbeddedVectors } from './embedTask.js';
import type { EmbedWorkerData, WorkerReply, WorkerRequest } from './embedWorker.js';

interface Pending {
  task: EmbedTask;
  resolve: (result: EmbeddedVectors) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: { taskId: number; pending: Pending } | null;
}

const WORKER_URL = new URL('./embedWorker.js', import.meta.url);

export class LocalExecutor implements Executor {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextTaskId = 0;
  private closed = false;

  constructor(
    workers: number,
    private readonly cache: EmbeddingCache,
    /** What every worker starts with: the process's embed settings (default: the defaults) and, in tests, a crash hook. */
    private readonly workerData: EmbedWorkerData = {},
  ) {
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
  }

  /** Vectors are computed on a worker thread and written to the cache from this one. */
  async embed(task: EmbedTask): Promise<EmbedResult> {
    if (this.closed) throw new Error('executor is closed');
    const vectors = await new Promise<EmbeddedVectors>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
    return storeEmbeddings(this.cache, task.model, vectors);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('executor is closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.busy?.pending.reject(new Error('executor is closed'));
        slot.busy = null;
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL, { workerData: this.workerData }), busy: null };
    slot.worker.on('message', (reply: WorkerReply) => {
      const busy = slot.busy;
      if (!busy || busy.taskId !== reply.taskId) return;
      slot.busy = null;
      if ('result' in reply) busy.pending.resolve(reply.result);
      else busy.pending.reject(new UserInputError(reply.error));
      this.dispatch();
    });
    slot.worker.on('error', (error) => this.replace(slot, error));
    slot.worker.on('exit', (code) => this.replace(slot, new Error(`embed worker exited with code ${code}`)));
    return slot;
  }

  /** A crashed worker fails its task and is replaced, so the pool keeps its size. */
  private replace(slot: Slot, error: Error): void {
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    slot.busy?.pending.reject(new Error(`embed worker crashed: ${error.message}`));
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const pending = this.queue.shift()!;
      const taskId = this.nextTaskId++;
      slot.busy = { taskId, pending };
      slot.worker.postMessage({ taskId, task: pending.task } satisfies WorkerRequest);
    }
  }
}
