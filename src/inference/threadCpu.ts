// CPU time of the calling thread (Linux /proc/thread-self/schedstat, nanosecond resolution), for per-stage accounting; wall time elsewhere.
import { readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

let available = process.platform === 'linux';

/** Milliseconds of CPU this thread has run so far (Linux), else milliseconds of wall time: only differences mean anything. */
export function threadCpuMs(): number {
  if (available) {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
    } catch {
      available = false;
    }
  }
  return performance.now();
}

/** This thread's OS id (Linux), so a process can tell its threads' CPU apart; null elsewhere. */
export function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}
