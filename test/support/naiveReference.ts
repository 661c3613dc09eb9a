// A direct, loop-per-pair float64 CorrEmbed for the default definition, used to check the streamed engine.
import type { DatasetManifest } from '../../src/metric/dataset.js';
import type { EmbeddingMatrix } from '../../src/metric/embeddings.js';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export interface NaiveOptions {
  representative?: 'first' | 'nearest' | 'mean';
  includeSelf?: boolean;
  roundSimilarity?: number | null;
  binary?: boolean;
}

/** Per-query r; defaults are the paper's (first image, weighted tags rounded to 2, y rounded to 4, self included). */
export function naiveCorrEmbed(manifest: DatasetManifest, embeddings: EmbeddingMatrix, options: NaiveOptions = {}): Map<string, number> {
  const { representative = 'first', includeSelf = true, roundSimilarity = 4, binary = false } = options;
  const vocabulary = [...new Set(manifest.items.flatMap((i) => i.tags.map((t) => `${t.category}\u0000${t.name}`)))];
  const tagVector = new Map(
    manifest.items.map((item) => {
      const v = new Array(vocabulary.length).fill(0);
      for (const t of item.tags) {
        const w = manifest.categoryWeights[t.category];
        v[vocabulary.indexOf(`${t.category}\u0000${t.name}`)] = binary || w === undefined ? 1 : Math.round(w * 100) / 100;
      }
      return [item.id, v];
    }),
  );
  const row = (i: number): Float32Array => embeddings.data.subarray(i * embeddings.dim, (i + 1) * embeddings.dim);
  const imagesOf = new Map<string, number[]>();
  manifest.images.forEach((image, i) => imagesOf.set(image.item, [...(imagesOf.get(image.item) ?? []), i]));
  const items = manifest.items.filter((i) => imagesOf.has(i.id));
  const similarity = (item: string, q: number): number => {
    const sims = imagesOf.get(item)!.map((i) => cosine(row(i), row(q)));
    if (representative === 'first') return sims[0];
    if (representative === 'nearest') return Math.max(...sims);
    return sims.reduce((s, v) => s + v, 0) / sims.length;
  };
  const round = (v: number): number => (roundSimilarity === null ? v : Math.round(v * 10 ** roundSimilarity) / 10 ** roundSimilarity);
  const result = new Map<string, number>();
  manifest.images.forEach((query, q) => {
    const pairs = items.filter((o) => includeSelf || o.id !== query.item);
    const x = pairs.map((o) => cosine(tagVector.get(o.id)!, tagVector.get(query.item)!));
    const y = pairs.map((o) => round(similarity(o.id, q)));
    result.set(query.id, pearson(x, y));
  });
  return result;
}
