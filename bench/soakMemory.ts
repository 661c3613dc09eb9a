// Preloaded into the soak's server process (node --import): prints its own memory every few seconds for bench/soak.ts to read.
import { SOAK_MEMORY_PREFIX } from './soakStats.js';

const INTERVAL_MS = 5000;

function sample(): void {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  process.stderr.write(`${SOAK_MEMORY_PREFIX}${JSON.stringify({ rss, heapUsed, heapTotal, external })}\n`);
}

sample();
setInterval(sample, INTERVAL_MS).unref();
