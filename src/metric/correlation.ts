// Pearson correlation from running sums, and average ranks (ties share their mean rank) for Spearman.

/** Pearson r from sums over n pairs; NaN when either side is constant. */
export function pearsonFromSums(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  const vx = n * sxx - sx * sx;
  const vy = n * syy - sy * sy;
  if (!(vx > 0) || !(vy > 0)) return NaN;
  const r = (n * sxy - sx * sy) / Math.sqrt(vx * vy);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

const COUNTING_RANGE_LIMIT = 1 << 18;

/**
 * Values equal to this many decimals rank as ties: cosines that are equal in exact arithmetic (e.g. two tag
 * sets with the same overlap) can differ in their last bit, and a rank must not depend on that bit.
 */
export const RANK_TIE_DECIMALS = 12;

/**
 * Writes into `out[i]` the average rank (1-based) of values[i] among all entries except index `skip`
 * (pass -1 to rank every entry), ties within RANK_TIE_DECIMALS decimals sharing their mean rank.
 * Integer-valued inputs in a small range use a counting sort.
 */
export function averageRanks(values: Float64Array, skip: number, out: Float64Array): void {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  if (integers && max - min < COUNTING_RANGE_LIMIT) countingRanks(values, skip, min, max - min + 1, out);
  else if (integers) sortedRanks(values, skip, out);
  else {
    const scale = 10 ** RANK_TIE_DECIMALS;
    sortedRanks(
      values.map((v) => Math.round(v * scale)),
      skip,
      out,
    );
  }
}

function countingRanks(values: Float64Array, skip: number, min: number, range: number, out: Float64Array): void {
  const counts = new Int32Array(range);
  for (let i = 0; i < values.length; i++) if (i !== skip) counts[values[i] - min]++;
  const rankOf = new Float64Array(range);
  let below = 0;
  for (let v = 0; v < range; v++) {
    const c = counts[v];
    if (c > 0) rankOf[v] = below + (c + 1) / 2;
    below += c;
  }
  for (let i = 0; i < values.length; i++) if (i !== skip) out[i] = rankOf[values[i] - min];
}

function sortedRanks(values: Float64Array, skip: number, out: Float64Array): void {
  const sorted = new Float64Array(skip >= 0 && skip < values.length ? values.length - 1 : values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (i !== skip) sorted[k++] = values[i];
  sorted.sort();
  for (let i = 0; i < values.length; i++) {
    if (i === skip) continue;
    const lo = lowerBound(sorted, values[i]);
    const hi = lowerBound(sorted, nextUp(values[i]));
    out[i] = (lo + hi + 1) / 2;
  }
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** The smallest double greater than v (v finite). */
function nextUp(v: number): number {
  if (v === 0) return Number.MIN_VALUE;
  scratch[0] = v;
  scratchBits[0] += v > 0 ? 1n : -1n;
  return scratch[0];
}
