// Is the gap between two models real? A paired test over the queries both scored: the mean difference of their
// per-query correlations, its percentile bootstrap interval and a sign-flip permutation p-value (both seeded).
import { bootstrapMeans, percentileInterval } from './bootstrap.js';
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

/** Bootstrap resamples and random sign flips by default: a p-value to about 0.005 near 0.05. */
export const COMPARISON_RESAMPLES = 2000;

/** Queries summed (over resamples) between turns of the event loop, so that a large comparison does not stall a server. */
const WORK_PER_TURN = 250_000;

/** The mean of the differences under each of `flips` random sign assignments (32 signs per random word). */
function* signFlipMeans(differences: Float64Array, flips: number, seed: number): Generator<number> {
  const n = differences.length;
  const rng = createRng(seed);
  for (let f = 0; f < flips; f++) {
    let sum = 0;
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 31) === 0) bits = Math.floor(rng.next() * 4294967296);
      sum += (bits >>> (i & 31)) & 1 ? -differences[i] : differences[i];
    }
    yield sum / n;
  }
}

/**
 * Under the null hypothesis (no difference between the models) each query's difference is as likely to have either
 * sign: the p-value is the share of sign assignments whose |mean| reaches the observed one, counting the observed
 * assignment itself ((1 + hits) / (1 + flips)), so it is never 0.
 */
function pValueOf(differences: Float64Array, flipMeans: Float64Array): number {
  const observed = Math.abs(differences.reduce((sum, d) => sum + d, 0) / differences.length);
  // Relative tolerance: flips equal to the observed mean in exact arithmetic must count despite rounding.
  const threshold = observed * (1 - 1e-12);
  const hits = flipMeans.reduce((count, mean) => count + (Math.abs(mean) >= threshold ? 1 : 0), 0);
  return (1 + hits) / (1 + flipMeans.length);
}

export function signFlipPValue(differences: Float64Array, flips: number, seed: number): number {
  return pValueOf(differences, Float64Array.from(signFlipMeans(differences, flips, seed)));
}

/** Every item of a generator of resamples over n queries, with a turn of the event loop every WORK_PER_TURN sums. */
async function collect(items: Generator<number>, count: number, n: number): Promise<Float64Array> {
  const every = Math.max(1, Math.floor(WORK_PER_TURN / n));
  const out = new Float64Array(count);
  let i = 0;
  for (const item of items) {
    out[i++] = item;
    if (i % every === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Pairs the two models' per-query correlations (by image id) and tests their mean difference (a minus b). */
export async function comparePaired(
  a: Record<string, number>,
  b: Record<string, number>,
  resamples = COMPARISON_RESAMPLES,
  seed = 0,
): Promise<PairedComparison> {
  const shared = Object.keys(a)
    .filter((id) => Object.hasOwn(b, id))
    .sort();
  const differences = Float64Array.from(shared, (id) => a[id] - b[id]);
  const n = differences.length;
  const meanDifference = n === 0 ? null : differences.reduce((sum, d) => sum + d, 0) / n;
  if (n < 2) return { sharedQueries: n, meanDifference, ci95: null, pValue: null, resamples, seed };
  const means = await collect(bootstrapMeans(differences, resamples, seed), resamples, n);
  const flips = await collect(signFlipMeans(differences, resamples, seed), resamples, n);
  return { sharedQueries: n, meanDifference, ci95: percentileInterval(means), pValue: pValueOf(differences, flips), resamples, seed };
}
