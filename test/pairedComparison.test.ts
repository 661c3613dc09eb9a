// compareModels' statistics: the paired bootstrap interval and the sign-flip p-value against exact enumeration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePaired, signFlipPValue } from '../src/metric/pairedComparison.js';

/** The exact two-sided sign-flip p-value: the share of all 2^n sign assignments whose |mean| reaches the observed one. */
function exactSignFlipP(differences: number[]): number {
  const n = differences.length;
  const observed = Math.abs(differences.reduce((a, b) => a + b, 0));
  let hits = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -differences[i] : differences[i];
    if (Math.abs(sum) >= observed - 1e-12) hits++;
  }
  return hits / 2 ** n;
}

test('the sign-flip p-value agrees with exact enumeration within Monte Carlo error', () => {
  const cases = [
    [0.31, 0.12, -0.05, 0.22, 0.18, 0.09, 0.27, -0.11, 0.15, 0.2, 0.04, 0.13],
    [0.05, -0.04, 0.03, -0.06, 0.02, 0.01, -0.03, 0.04, -0.02, 0.05, -0.01, 0.02],
    [0.2, 0.1, 0.15, 0.3, 0.25, 0.05, 0.12, 0.22, 0.18, 0.09, 0.14, 0.11],
  ];
  for (const differences of cases) {
    const exact = exactSignFlipP(differences);
    const estimated = signFlipPValue(Float64Array.from(differences), 20_000, 7);
    // Binomial standard error of a proportion over 20000 draws is at most 0.0035; 4 of them, plus the +1 correction.
    assert.ok(Math.abs(estimated - exact) < 0.015, `exact ${exact}, estimated ${estimated}`);
  }
});

test('comparePaired pairs queries by image id, and its answer is reproducible', async () => {
  const a = { q1: 0.5, q2: 0.4, q3: 0.9, q4: 0.7, only_a: 0.1 };
  const b = { q1: 0.3, q2: 0.4, q3: 0.6, q4: 0.8, only_b: 0.9 };
  const result = await comparePaired(a, b, 2000, 3);
  assert.equal(result.sharedQueries, 4);
  assert.ok(Math.abs(result.meanDifference! - (0.2 + 0 + 0.3 - 0.1) / 4) < 1e-12);
  assert.ok(result.ci95![0] <= result.meanDifference! && result.meanDifference! <= result.ci95![1]);
  assert.ok(result.ci95![0] >= -0.1 - 1e-12 && result.ci95![1] <= 0.3 + 1e-12, 'the interval lies within the differences');
  assert.deepEqual(await comparePaired(a, b, 2000, 3), result, 'seeded');
  assert.deepEqual((await comparePaired(b, a, 2000, 3)).meanDifference, -result.meanDifference!);
});

test('a consistent gap is significant, a symmetric one is not; too few shared queries give no test', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `q${i}`);
  // Noise of +-0.05 around a gap of 0.02: every query agrees on the sign only on average.
  const noise = (i: number) => ((i * 7919) % 101) / 1000 - 0.05;
  const base = Object.fromEntries(ids.map((id, i) => [id, 0.5 + noise(i)]));
  const better = Object.fromEntries(ids.map((id, i) => [id, base[id] + 0.02 + noise(i * 3 + 1) / 5]));
  const gap = await comparePaired(better, base);
  assert.ok(gap.pValue! < 0.001, `p ${gap.pValue}`);
  assert.ok(gap.ci95![0] > 0, `interval ${gap.ci95}`);
  const mirrored = Object.fromEntries(ids.map((id, i) => [id, base[id] + (i % 2 === 0 ? 0.03 : -0.03)]));
  const none = await comparePaired(mirrored, base);
  assert.ok(Math.abs(none.meanDifference!) < 1e-12);
  assert.equal(none.pValue, 1, 'every flip reaches a mean difference of 0');
  assert.ok(none.ci95![0] < 0 && none.ci95![1] > 0);
  assert.deepEqual(await comparePaired({ q1: 0.5 }, { q1: 0.2 }), {
    sharedQueries: 1,
    meanDifference: 0.3,
    ci95: null,
    pValue: null,
    resamples: 2000,
    seed: 0,
  });
  assert.equal((await comparePaired({ q1: 0.5 }, { q2: 0.2 })).meanDifference, null);
});
