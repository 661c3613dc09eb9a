// compareModels' paired test (bootstrap interval and sign-flip p-value) by query count: wall time, and the longest the
// event loop waited meanwhile (what a server's other requests would wait).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { comparePaired, COMPARISON_RESAMPLES } from '../src/metric/pairedComparison.js';

const COUNTS = [1000, 10_000, 50_000];

/** Two models' correlations for n queries: b a little worse than a, with noise. */
function correlations(n: number): [Record<string, number>, Record<string, number>] {
  const a: Record<string, number> = {};
  const b: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    a[`q${i}`] = 0.5 + 0.3 * Math.sin(i);
    b[`q${i}`] = 0.49 + 0.3 * Math.sin(i * 1.1);
  }
  return [a, b];
}

console.log(`paired comparison, ${COMPARISON_RESAMPLES} bootstrap resamples and sign flips`);
for (const n of COUNTS) {
  const [a, b] = correlations(n);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  const result = await comparePaired(a, b);
  const ms = performance.now() - start;
  delay.disable();
  console.log(
    `${String(n).padStart(6)} queries: ${ms.toFixed(0).padStart(6)} ms, longest event-loop wait ${(delay.max / 1e6).toFixed(1)} ms (p = ${result.pValue!.toFixed(4)})`,
  );
}
console.log('reproduce: npm run bench -- compare');
