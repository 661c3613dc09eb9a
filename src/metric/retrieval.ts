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

/** Mergeable running sums of a RetrievalAccumulator (shards of queries add up to the whole). */
export interface RetrievalState {
  ks: number[];
  kSums: number[];
  queries: number;
  ndcgSum: number;
  ndcgQueries: number;
}

export function mergeRetrievalStates(states: RetrievalState[]): RetrievalState {
  const [first] = states;
  return {
    ks: first.ks,
    kSums: first.ks.map((_, j) => states.reduce((s, st) => s + st.kSums[j], 0)),
    queries: states.reduce((s, st) => s + st.queries, 0),
    ndcgSum: states.reduce((s, st) => s + st.ndcgSum, 0),
    ndcgQueries: states.reduce((s, st) => s + st.ndcgQueries, 0),
  };
}

export function summariseRetrieval(state: RetrievalState): RetrievalSummary {
  const meanTagSimilarityAt: Record<string, number | null> = {};
  state.ks.forEach((k, j) => (meanTagSimilarityAt[String(k)] = state.queries > 0 ? state.kSums[j] / state.queries : null));
  return {
    meanTagSimilarityAt,
    ndcgAt10: state.ndcgQueries > 0 ? state.ndcgSum / state.ndcgQueries : null,
    queries: state.queries,
    ndcgQueries: state.ndcgQueries,
  };
}

export class RetrievalAccumulator {
  private readonly depth: number;
  private readonly top: Int32Array;
  private readonly topValues: Float64Array;
  private readonly kSums: Float64Array;
  private queries = 0;
  private ndcgSum = 0;
  private ndcgQueries = 0;
  private idealDcg = 0;

  constructor(private readonly ks: number[]) {
    this.depth = Math.max(NDCG_DEPTH, ...ks);
    this.top = new Int32Array(this.depth);
    this.topValues = new Float64Array(this.depth);
    this.kSums = new Float64Array(ks.length);
  }

  /** Call when the query item changes: x are its tag cosines, u the item itself (never retrieved). */
  setQueryItem(u: number, x: Float64Array): void {
    const count = topIndices(x, u, NDCG_DEPTH, this.top, this.topValues);
    this.idealDcg = dcg(x, this.top, count);
  }

  addQuery(u: number, similarities: ArrayLike<number>, x: Float64Array): void {
    const count = topIndices(similarities, u, this.depth, this.top, this.topValues);
    if (count === 0) return;
    this.queries++;
    let prefix = 0;
    let taken = 0;
    this.ks.forEach((k, j) => {
      const upTo = Math.min(k, count);
      for (; taken < upTo; taken++) prefix += x[this.top[taken]];
      this.kSums[j] += prefix / upTo;
    });
    if (this.idealDcg > 0) {
      this.ndcgSum += dcg(x, this.top, count) / this.idealDcg;
      this.ndcgQueries++;
    }
  }

  state(): RetrievalState {
    return { ks: this.ks, kSums: [...this.kSums], queries: this.queries, ndcgSum: this.ndcgSum, ndcgQueries: this.ndcgQueries };
  }
}
