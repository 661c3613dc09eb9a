// Linear scales and round tick values for the dashboard's charts.

export interface Scale {
  (value: number): number;
  ticks(count: number): number[];
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain is widened so points still land inside the range. */
export function linearScale([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const [lo, hi] = d0 === d1 ? [d0 - 0.5, d1 + 0.5] : [d0, d1];
  const scale = ((value: number) => r0 + ((value - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  scale.ticks = (count) => niceTicks(lo, hi, count);
  return scale;
}

/** About `count` ticks at 1, 2 or 5 times a power of ten inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toFixed(12)));
  return ticks;
}

/** [min, max] of the values, padded by a share of the span on each side. */
export function extent(values: number[], pad = 0.08): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const margin = (hi - lo || Math.abs(hi) || 1) * pad;
  return [lo - margin, hi + margin];
}
