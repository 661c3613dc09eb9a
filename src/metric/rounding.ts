// Decimal rounding: numpy.round (scale, round half to even, unscale) and Python's round on the exact binary value.

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

/**
 * Python's round(value, digits) on a double: the decimal nearest the exact binary value (0.355 is stored as
 * 0.35499999999999998224, so it gives 0.35), exact halves to even, read back as the nearest double.
 */
export function pythonRound(value: number, digits: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  let mantissa = Math.abs(value);
  let exponent = 0;
  while (!Number.isInteger(mantissa)) {
    mantissa *= 2;
    exponent++;
  }
  if (exponent === 0) return value;
  const numerator = BigInt(mantissa) * 10n ** BigInt(digits);
  const denominator = 1n << BigInt(exponent);
  let quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator - quotient * denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) quotient += 1n;
  const rounded = Number(`${quotient}e-${digits}`);
  return value < 0 ? -rounded : rounded;
}
