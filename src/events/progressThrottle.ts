// Coalesces a run's progress events: at most one per interval per run, the last change always sent (each is a NOTIFY across processes).
import type { RunEvents } from './runEvents.js';

/** Subscribers re-read a run's progress on each event: one every two seconds shows it moving at a fraction of a commit per batch. */
const INTERVAL_MS = 2000;

export class ProgressThrottle {
  /** Runs with an event held back, and when each last sent one. */
  private readonly held = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly events: RunEvents,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  /** The run's progress changed: sent now, or at the end of the current interval if one was sent within it. */
  changed(runId: string): void {
    if (this.held.has(runId)) return;
    const wait = (this.lastSent.get(runId) ?? -Infinity) + this.intervalMs - performance.now();
    if (wait <= 0) return this.send(runId);
    this.held.set(
      runId,
      setTimeout(() => {
        this.held.delete(runId);
        this.send(runId);
      }, wait),
    );
  }

  /** Sends what is held at once and forgets the run (its work in this process has ended). */
  flush(runId: string): void {
    const timer = this.held.get(runId);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.held.delete(runId);
      this.send(runId);
    }
    this.lastSent.delete(runId);
  }

  private send(runId: string): void {
    this.lastSent.set(runId, performance.now());
    this.events.publish({ kind: 'progress', runId });
  }
}
