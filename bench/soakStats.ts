// The soak's figures: memory samples reduced to start/min/max/end and a least-squares slope per 10 minutes.
/** The server's stderr line per sample (bench/soakMemory.ts): the prefix, then {"rss","heapUsed","heapTotal","external"} in bytes. */
export const SOAK_MEMORY_PREFIX = 'SOAK_MEMORY ';

export interface MemorySample {
  /** Seconds since the soak began. */
  t: number;
  rss: number;
  heapUsed: number;
}

export interface SeriesSummary {
  start: number;
  min: number;
  max: number;
  end: number;
  /** Least-squares slope, in the series' unit per 10 minutes. */
  slopePer10Min: number;
}

/** Start/min/max/end and slope of one field over the samples (at least two). */
export function summarise(samples: MemorySample[], field: 'rss' | 'heapUsed'): SeriesSummary {
  const ys = samples.map((s) => s[field]);
  const ts = samples.map((s) => s.t);
  const meanT = ts.reduce((a, b) => a + b, 0) / ts.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < ts.length; i++) {
    sxy += (ts[i] - meanT) * (ys[i] - meanY);
    sxx += (ts[i] - meanT) ** 2;
  }
  return {
    start: ys[0],
    min: Math.min(...ys),
    max: Math.max(...ys),
    end: ys[ys.length - 1],
    slopePer10Min: sxx === 0 ? 0 : (sxy / sxx) * 600,
  };
}

const MB = 1024 * 1024;

/** One table row in MB. */
export function formatSeries(label: string, s: SeriesSummary): string {
  const mb = (v: number) => (v / MB).toFixed(1).padStart(8);
  const slope = `${s.slopePer10Min >= 0 ? '+' : ''}${(s.slopePer10Min / MB).toFixed(2)}`;
  return `${label.padEnd(22)}${mb(s.start)}${mb(s.min)}${mb(s.max)}${mb(s.end)}${slope.padStart(12)}`;
}

export const SERIES_HEADER = `${'MB'.padEnd(22)}${'start'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}${'end'.padStart(8)}${'per 10 min'.padStart(12)}`;
