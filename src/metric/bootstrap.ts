// Percentile bootstrap interval of the mean over queries (seeded, reproducible).
import { createRng } from './random.js';

/** Linear-interpolated quantile of sorted values (numpy's default method). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The mean of each of `resamples` resamples of `values` with replacement, in the order a seed fixes. */
export function* bootstrapMeans(values: Float64Array, resamples: number, seed: number): Generator<number> {
  const n = values.length;
  const rng = createRng(seed);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)];
    yield sum / n;
  }
}

/** The 95% percentile interval of resampled means (sorted in place). */
export function percentileInterval(means: Float64Array): [number, number] {
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}

/** 95% percentile interval of the mean of `values` over `resamples` resamples with replacement. */
export function bootstrapMeanInterval(values: Float64Array, resamples: number, seed: number): [number, number] | null {
  if (values.length === 0) return null;
  return percentileInterval(Float64Array.from(bootstrapMeans(values, resamples, seed)));
}
