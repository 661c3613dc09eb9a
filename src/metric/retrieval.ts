// Retrieval quality of the ranking a model induces: mean tag similarity of the top k and nDCG@10.
import { NDCG_DEPTH } from './options.js';

export interface RetrievalSummary {
  /** Mean over queries of the mean tag cosine of the top k retrieved items, per k. */
  meanTagSimilarityAt: Record<string, number | null>;
  /** Mean nDCG@10 with tag cosine as graded relevance (queries whose ideal DCG is 0 are skipped). */
  ndcgAt10: number | null;
  queries: number;
  ndcgQueries: number;
}

/**
 * Writes into `out` the indices of the `k` largest values (descending; ties keep the lower index first),
 * skipping index `skip`. Returns how many were written.
 */
export function topIndices(values: ArrayLike<number>, skip: number, k: number, out: Int32Array, outValues: Float64Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (i === skip) continue;
    const v = values[i];
    if (count === k && !(v > outValues[k - 1])) continue;
    let pos = count < k ? count++ : k - 1;
    while (pos > 0 && v > outValues[pos - 1]) {
      outValues[pos] = outValues[pos - 1];
      out[pos] = out[pos - 1];
      pos--;
    }
    outValues[pos] = v;
    out[pos] = i;
  }
  return count;
}

function dcg(relevance: ArrayLike<number>, indices: Int32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(count, NDCG_DEPTH); i++) sum += relevance[indices[i]] / Math.log2(i + 2);
  return sum;
}

/**
 * Per-query retrieval values in scoring order. Shards of queries concatenate to the whole, and the summary adds
 * the values up in that order, so any split gives exactly the numbers of one pass.
 */
export interface RetrievalState {
  ks: number[];
  /** Mean tag cosine of the top k of each query that retrieved anything, row-major queries x ks. */
  topMeans: number[];
  /** nDCG@10 of each of those queries whose ideal DCG is positive. */
  ndcg: number[];
}

/** Concatenates the states of consecutive shards of the scoring order. */
export function mergeRetrievalStates(ks: number[], states: RetrievalState[]): RetrievalState {
  return { ks, topMeans: states.flatMap((st) => st.topMeans), ndcg: states.flatMap((st) => st.ndcg) };
}

function sum(values: number[], stride = 1, offset = 0): number {
  let total = 0;
  for (let i = offset; i < values.length; i += stride) total += values[i];
  return total;
}

export function summariseRetrieval(state: RetrievalState): RetrievalSummary {
  const K = state.ks.length;
  const queries = state.topMeans.length / K;
  const meanTagSimilarityAt: Record<string, number | null> = {};
  state.ks.forEach((k, j) => (meanTagSimilarityAt[String(k)] = queries > 0 ? sum(state.topMeans, K, j) / queries : null));
  return {
    meanTagSimilarityAt,
    ndcgAt10: state.ndcg.length > 0 ? sum(state.ndcg) / state.ndcg.length : null,
    queries,
    ndcgQueries: state.ndcg.length,
  };
}

export class RetrievalAccumulator {
  private readonly depth: number;
  private readonly top: Int32Array;
  private readonly topValues: Float64Array;
  private readonly topMeans: number[] = [];
  private readonly ndcg: number[] = [];
  private idealDcg = 0;

  constructor(private readonly ks: number[]) {
    this.depth = Math.max(NDCG_DEPTH, ...ks);
    this.top = new Int32Array(this.depth);
    this.topValues = new Float64Array(this.depth);
  }

  /** Call when the query item changes: x are its tag cosines, u the item itself (never retrieved). */
  setQueryItem(u: number, x: Float64Array): void {
    const count = topIndices(x, u, NDCG_DEPTH, this.top, this.topValues);
    this.idealDcg = dcg(x, this.top, count);
  }

  addQuery(u: number, similarities: ArrayLike<number>, x: Float64Array): void {
    const count = topIndices(similarities, u, this.depth, this.top, this.topValues);
    if (count === 0) return;
    let prefix = 0;
    let taken = 0;
    this.ks.forEach((k, j) => {
      const upTo = Math.min(k, count);
      for (; taken < upTo; taken++) prefix += x[this.top[taken]];
      this.topMeans.push(prefix / upTo);
    });
    if (this.idealDcg > 0) this.ndcg.push(dcg(x, this.top, count) / this.idealDcg);
  }

  state(): RetrievalState {
    return { ks: this.ks, topMeans: this.topMeans, ndcg: this.ndcg };
  }
}
