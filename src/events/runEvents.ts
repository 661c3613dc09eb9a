// Run events (progress, completion) fanned out to GraphQL subscribers as async iterators; across processes via a transport.
import { EventEmitter } from 'node:events';

/** `queued`: a run was recorded (processes that drive runs join it at once). */
export type RunEventKind = 'queued' | 'progress' | 'completed';

export interface RunEvent {
  kind: RunEventKind;
  runId: string;
}

/** Carries published events to every process (PostgreSQL NOTIFY); each process's copy comes back through receive(). */
export interface EventTransport {
  send(event: RunEvent): Promise<void>;
}

export class RunEvents {
  private readonly emitter = new EventEmitter();
  private transport: EventTransport | null = null;

  constructor(private readonly log: (line: string) => void = () => undefined) {
    this.emitter.setMaxListeners(0);
  }

  /** From now on, events go out through `transport` (and arrive back through receive()). */
  attach(transport: EventTransport | null): void {
    this.transport = transport;
  }

  /** Publishes to every process's subscribers; without a transport (or when it fails), to this process's. */
  publish(event: RunEvent): void {
    if (!this.transport) return this.receive(event);
    this.transport.send(event).catch((error: Error) => {
      this.log(`run events: cannot publish (${error.message}); delivering locally`);
      this.receive(event);
    });
  }

  /** Delivers an event to this process's subscribers. */
  receive(event: RunEvent): void {
    this.emitter.emit(`${event.kind}:${event.runId}`, event);
    this.emitter.emit(event.kind, event);
  }

  /** Calls `listener` with every event of one kind, for any run, for as long as the process lives. */
  onEvery(kind: RunEventKind, listener: (event: RunEvent) => void): void {
    this.emitter.on(kind, listener);
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
