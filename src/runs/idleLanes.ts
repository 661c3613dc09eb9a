// A run's lanes in one process that found nothing to claim: one polls the database, the others wait to be woken.
//
// Without this, every idle lane polls (64 lanes at 0.5 to 5 claims a second each, all a commit apiece) while the last
// batches of a run are in flight or it is being scored. A lane that claims work wakes one waiting lane, which tries
// too, so a burst of work (released batches, a score batch the poller found) spreads over the lanes one claim at a time.
export class IdleLanes {
  private polling = false;
  /** Set once the poller found the run without work left anywhere: every lane of it ends. */
  finished = false;
  private readonly waiting: (() => void)[] = [];

  /** Whether this lane should poll (no other lane does); if so it must call pollDone after its wait. */
  takePoll(): boolean {
    if (this.polling) return false;
    this.polling = true;
    return true;
  }

  pollDone(): void {
    this.polling = false;
  }

  /** Waits until another lane wakes this one. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Wakes one waiting lane (there may be work for it). */
  wakeOne(): void {
    this.waiting.shift()?.();
  }

  /** The run has no work left: every lane ends. */
  finish(): void {
    this.finished = true;
    this.wakeAll();
  }

  /** Wakes every waiting lane (the run is over here, or the process stops). */
  wakeAll(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}
