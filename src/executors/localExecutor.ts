// The local executor: a pool of worker threads (default one per core) running embed tasks, two at a time each; a task's models are spread over the workers, each model's session held by one; crashed workers are replaced.
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { EmbedResult, EmbedTask, Executor, ModelReference } from './executor.js';
import { storeEmbeddingParts, type ComputedEmbeddings, type ComputedPart } from './embedTask.js';
import type { EmbedWorkerData, WorkerReply, WorkerRequest } from './embedWorker.js';
import { ModelHomes, type Released, sessionKey } from './modelHomes.js';

/** A worker's share of a task: some of its models over all of its images. */
interface Pending {
  task: EmbedTask;
  resolve: (result: ComputedEmbeddings) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Map<number, Pending>;
  /** Shares bound to this worker (their models' sessions are here). */
  queue: Pending[];
}

const WORKER_URL = new URL('./embedWorker.js', import.meta.url);
/** Tasks a worker holds at once: the next one's images are decoded while the current one's are inferred. */
const TASKS_PER_WORKER = 2;

export class LocalExecutor implements Executor {
  private readonly slots: Slot[] = [];
  /** Tasks of one model, which any worker may take. */
  private readonly queue: Pending[] = [];
  private readonly homes: ModelHomes;
  /** The models placed, by session key (what a worker is told to release). */
  private readonly references = new Map<string, ModelReference>();
  private nextTaskId = 0;
  private closed = false;

  constructor(
    workers: number,
    private readonly cache: EmbeddingCache,
    /** What every worker starts with: the process's embed settings (default: the defaults) and, in tests, a crash hook. */
    private readonly workerData: EmbedWorkerData = {},
  ) {
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
    this.homes = new ModelHomes(workers);
  }

  /** Tasks this executor can work on at once (what keeps every worker busy). */
  get capacity(): number {
    return this.slots.length * TASKS_PER_WORKER;
  }

  /**
   * A task of several models is split by worker: each worker reads and decodes the images itself and infers the models
   * it holds (a session of every model in every worker would multiply memory by the workers). A task of one model goes
   * to the least busy worker. Vectors are computed on worker threads and written as shards from this one (the files'
   * writes run on libuv's pool); the caller records them.
   */
  async embed(task: EmbedTask): Promise<EmbedResult> {
    if (this.closed) throw new Error('executor is closed');
    const shares = await this.split(task);
    const parts = await Promise.all(
      shares.map(
        async ({ worker, models }): Promise<ComputedPart> => ({
          models,
          computed: await new Promise<ComputedEmbeddings>((resolve, reject) => {
            const pending = { task: { ...task, models: models.map((m) => task.models[m]) }, resolve, reject };
            (worker === null ? this.queue : this.slots[worker].queue).push(pending);
            this.dispatch();
          }),
        }),
      ),
    );
    if (shares[0].worker !== null) this.measure(task, parts);
    return storeEmbeddingParts(this.cache, task, parts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const queued = [...this.queue.splice(0), ...this.slots.flatMap((slot) => slot.queue.splice(0))];
    for (const pending of queued) pending.reject(new Error('executor is closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        for (const pending of slot.busy.values()) pending.reject(new Error('executor is closed'));
        slot.busy.clear();
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  /** The task's models grouped by the worker that computes them (null: any worker). */
  private async split(task: EmbedTask): Promise<{ worker: number | null; models: number[] }[]> {
    const all = task.models.map((_, m) => m);
    if (this.slots.length === 1 || task.models.length === 1) return [{ worker: null, models: all }];
    const unknown = task.models.filter((model) => !this.homes.has(model));
    const sizes = new Map(await Promise.all(unknown.map(async (model) => [model.onnxPath, await fileBytes(model.onnxPath)] as const)));
    for (const model of task.models) this.references.set(sessionKey(model), model);
    const { workers, released } = this.homes.place(task.models, (model) => sizes.get(model.onnxPath) ?? 1);
    this.release(released);
    const byWorker = new Map<number, number[]>();
    workers.forEach((worker, m) => byWorker.set(worker, [...(byWorker.get(worker) ?? []), m]));
    return [...byWorker.entries()].map(([worker, models]) => ({ worker, models }));
  }

  /** Each placed model's inference per image feeds the placement; sessions it no longer needs are released. */
  private measure(task: EmbedTask, parts: ComputedPart[]): void {
    for (const { models, computed } of parts) {
      if (computed.ids.length === 0) continue;
      models.forEach((m, k) =>
        this.release(this.homes.measured(task.models[m], computed.stages.inferenceByModel[k] / computed.ids.length)),
      );
    }
  }

  private release(released: Released[]): void {
    for (const { key, worker } of released) {
      const model = this.references.get(key);
      if (model) this.slots[worker].worker.postMessage({ release: model } satisfies WorkerRequest);
    }
  }

  private spawn(queue: Pending[] = []): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL, { workerData: this.workerData }), busy: new Map(), queue };
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

  /** A crashed worker fails its running tasks and is replaced, so the pool keeps its size; its queued shares wait for the new one. */
  private replace(slot: Slot, error: Error): void {
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    for (const pending of slot.busy.values()) pending.reject(new Error(`embed worker crashed: ${error.message}`));
    this.slots[index] = this.spawn(slot.queue);
    this.dispatch();
  }

  /** Hands each worker its own queued shares, then tasks any worker may take, up to TASKS_PER_WORKER each. */
  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.busy.size < TASKS_PER_WORKER && slot.queue.length > 0) this.send(slot, slot.queue.shift()!);
    }
    while (this.queue.length > 0) {
      const slot = this.slots.reduce((a, b) => (b.busy.size < a.busy.size ? b : a));
      if (slot.busy.size >= TASKS_PER_WORKER) return;
      this.send(slot, this.queue.shift()!);
    }
  }

  private send(slot: Slot, pending: Pending): void {
    const taskId = this.nextTaskId++;
    slot.busy.set(taskId, pending);
    slot.worker.postMessage({ taskId, task: pending.task } satisfies WorkerRequest);
  }
}

/** Size of a model file, the cost estimate of a model not measured yet (1 where it is not a local file). */
async function fileBytes(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 1,
  );
}
