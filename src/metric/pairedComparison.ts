// Is the gap between two models real? A paired test over the queries both scored: the mean difference of their
// per-query correlations, its percentile bootstrap interval and a sign-flip permutation p-value (both seeded).
import { bootstrapMeanInterval } from './bootstrap.js';
import { createRng } from './random.js';

export interface PairedComparison {
  /** Queries both models have a correlation for. */
  sharedQueries: number;
  /** Mean over the shared queries of a's r minus b's r; null without shared queries. */
  meanDifference: number | null;
  /** 95% percentile interval of the mean difference over paired bootstrap resamples; null with fewer than 2 queries. */
  ci95: [number, number] | null;
  /** Two-sided p-value of the sign-flip test of a zero mean difference; null with fewer than 2 queries. */
  pValue: number | null;
  resamples: number;
  seed: number;
}

/** Resamples (bootstrap) and random sign flips (permutation test) by default. */
export const COMPARISON_RESAMPLES = 10_000;

/**
 * Under the null hypothesis (no difference between the models) each query's difference is as likely to have either
 * sign: the p-value is the share of random sign flips whose |mean| reaches the observed one, counting the observed
 * assignment itself ((1 + hits) / (1 + flips)), so it is never 0.
 */
export function signFlipPValue(differences: Float64Array, flips: number, seed: number): number {
  const n = differences.length;
  const observed = Math.abs(differences.reduce((sum, d) => sum + d, 0) / n);
  // Relative tolerance: flips equal to the observed mean in exact arithmetic must count despite rounding.
  const threshold = observed * (1 - 1e-12);
  const rng = createRng(seed);
  let hits = 0;
  for (let f = 0; f < flips; f++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rng.next() < 0.5 ? -differences[i] : differences[i];
    if (Math.abs(sum / n) >= threshold) hits++;
  }
  return (1 + hits) / (1 + flips);
}

/** Pairs the two models' per-query correlations (by image id) and tests their mean difference (a minus b). */
export function comparePaired(a: Record<string, number>, b: Record<string, number>, resamples = COMPARISON_RESAMPLES, seed = 0): PairedComparison {
  const shared = Object.keys(a).filter((id) => Object.hasOwn(b, id)).sort();
  const differences = Float64Array.from(shared, (id) => a[id] - b[id]);
  const n = differences.length;
  const meanDifference = n === 0 ? null : differences.reduce((sum, d) => sum + d, 0) / n;
  if (n < 2) return { sharedQueries: n, meanDifference, ci95: null, pValue: null, resamples, seed };
  return {
    sharedQueries: n,
    meanDifference,
    ci95: bootstrapMeanInterval(differences, resamples, seed),
    pValue: signFlipPValue(differences, resamples, seed),
    resamples,
    seed,
  };
}
