// Decimal rounding that matches numpy.round: scale, round half to even, unscale.

/** Rounds to the nearest integer, ties to even (numpy.rint). */
export function roundHalfEven(t: number): number {
  let r = Math.round(t);
  if (r - t === 0.5 && r % 2 !== 0) r -= 1;
  return r;
}

/** numpy.round(value, digits) for digits >= 0. */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return roundHalfEven(value * scale) / scale;
}
