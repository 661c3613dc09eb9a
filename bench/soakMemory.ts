// Preloaded into the soak's server process (node --import): prints its own memory every few seconds for bench/soak.ts to read.
import { isMainThread } from 'node:worker_threads';
import { SOAK_MEMORY_PREFIX } from './soakStats.js';

const INTERVAL_MS = 5000;

function sample(): void {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  process.stderr.write(`${SOAK_MEMORY_PREFIX}${JSON.stringify({ rss, heapUsed, heapTotal, external })}\n`);
}

// --import preloads this into the embed workers too: only the main thread reports (its heap; RSS is the process's).
if (isMainThread) {
  sample();
  setInterval(sample, INTERVAL_MS).unref();
}
