// The local executor: a pool of worker threads (default one per core) running embed tasks, two at a time each; crashed workers are replaced.
import { Worker } from 'node:worker_threads';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { EmbedResult, EmbedTask, Executor } from './executor.js';
import { storeEmbeddings, type ComputedEmbeddings } from './embedTask.js';
import type { EmbedWorkerData, WorkerReply, WorkerRequest } from './embedWorker.js';

interface Pending {
  task: EmbedTask;
  resolve: (result: ComputedEmbeddings) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Map<number, Pending>;
}

const WORKER_URL = new URL('./embedWorker.js', import.meta.url);
/** Tasks a worker holds at once: the next one's images are decoded while the current one's are inferred. */
const TASKS_PER_WORKER = 2;

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

  /** Tasks this executor can work on at once (what keeps every worker busy). */
  get capacity(): number {
    return this.slots.length * TASKS_PER_WORKER;
  }

  /** Vectors are computed on a worker thread and written to the cache from this one. */
  async embed(task: EmbedTask): Promise<EmbedResult> {
    if (this.closed) throw new Error('executor is closed');
    const vectors = await new Promise<ComputedEmbeddings>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
    return storeEmbeddings(this.cache, task, vectors);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('executor is closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        for (const pending of slot.busy.values()) pending.reject(new Error('executor is closed'));
        slot.busy.clear();
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL, { workerData: this.workerData }), busy: new Map() };
    slot.worker.on('message', (reply: WorkerReply) => {
      const pending = slot.busy.get(reply.taskId);
      if (!pending) return;
      slot.busy.delete(reply.taskId);
      if ('result' in reply) pending.resolve(reply.result);
      else pending.reject(new UserInputError(reply.error));
      this.dispatch();
    });
    slot.worker.on('error', (error) => this.replace(slot, error));
    slot.worker.on('exit', (code) => this.replace(slot, new Error(`embed worker exited with code ${code}`)));
    return slot;
  }

  /** A crashed worker fails its tasks and is replaced, so the pool keeps its size. */
  private replace(slot: Slot, error: Error): void {
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    for (const pending of slot.busy.values()) pending.reject(new Error(`embed worker crashed: ${error.message}`));
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  /** Hands queued tasks to the least busy workers, up to TASKS_PER_WORKER each. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.reduce((a, b) => (b.busy.size < a.busy.size ? b : a));
      if (slot.busy.size >= TASKS_PER_WORKER) return;
      const pending = this.queue.shift()!;
      const taskId = this.nextTaskId++;
      slot.busy.set(taskId, pending);
      slot.worker.postMessage({ taskId, task: pending.task } satisfies WorkerRequest);
    }
  }
}
