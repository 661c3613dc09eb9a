// The real local executor, counting the image x model pairs it is asked to embed (how tests see whether the cache or sharing spared work).
import type { EmbeddingCache } from '../../src/embedding/embeddingCache.js';
import type { EmbedTask, Executor } from '../../src/executors/executor.js';
import { LocalExecutor } from '../../src/executors/localExecutor.js';

export class CountingExecutor implements Executor {
  embedded = 0;
  private readonly inner: LocalExecutor;

  /** `crashHook`: see embedWorker.ts's crashIfAsked. */
  constructor(cache: EmbeddingCache, workers = 2, crashHook?: string) {
    this.inner = new LocalExecutor(workers, cache, { crashHook });
  }

  embed(task: EmbedTask) {
    this.embedded += task.images.length * task.models.length;
    return this.inner.embed(task);
  }

  close() {
    return this.inner.close();
  }
}
