// Percentile bootstrap interval of the mean over queries (seeded, reproducible).
import { createRng } from './random.js';

/** Linear-interpolated quantile of sorted values (numpy's default method). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** 95% percentile interval of the mean of `values` over `resamples` resamples with replacement. */
export function bootstrapMeanInterval(values: Float64Array, resamples: number, seed: number): [number, number] | null {
  const n = values.length;
  if (n === 0) return null;
  const rng = createRng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)];
    means[b] = sum / n;
  }
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}
