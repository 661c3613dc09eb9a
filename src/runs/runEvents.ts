// In-process run events (progress, completion) fanned out to GraphQL subscribers as async iterators.
import { EventEmitter } from 'node:events';

export type RunEventKind = 'progress' | 'completed';

export interface RunEvent {
  kind: RunEventKind;
  runId: string;
}

export class RunEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(event: RunEvent): void {
    this.emitter.emit(`${event.kind}:${event.runId}`, event);
  }

  /** Events of one kind for one run, until the consumer stops iterating. */
  subscribe(kind: RunEventKind, runId: string): AsyncIterableIterator<RunEvent> {
    const name = `${kind}:${runId}`;
    const queue: RunEvent[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const listener = (event: RunEvent): void => {
      queue.push(event);
      wake?.();
    };
    this.emitter.on(name, listener);
    const stop = (): void => {
      done = true;
      this.emitter.off(name, listener);
      wake?.();
    };
    const iterator: AsyncIterableIterator<RunEvent> = {
      async next() {
        while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        return { value: undefined, done: true };
      },
      async return() {
        stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
