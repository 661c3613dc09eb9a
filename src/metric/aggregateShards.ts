// Query shards of a scoring pass, computed in separate processes from JSON requests and merged into the one-process result.
import { UserInputError } from '../errors.js';
import type { BaselineName } from './baselines.js';
import { preparePasses, type PassRunner } from './corrEmbed.js';
import type { DatasetManifest } from './dataset.js';
import type { EmbeddingMatrix } from './embeddings.js';
import type { ScoreOptions } from './options.js';
import { mergeShardResults, runScorePass, shardQueries, type PassContext } from './parallelScoring.js';
import type { RetrievalState } from './retrieval.js';
import type { PassOptions, PassResult } from './scorePass.js';

/** Shard `shard` of the `shards` that shardQueries splits the queries of one pass into (baseline null: the main pass). */
export interface ShardRequest {
  baseline: BaselineName | null;
  shard: number;
  shards: number;
}

/** A PassResult as JSON (undefined values, NaN, as null); per-query values in the order of the shard's positions. */
export interface EncodedPassResult {
  r: (number | null)[];
  categoryR: (number | null)[] | null;
  retrieval: RetrievalState | null;
}

/** More shards than this is a mistake: each one is a process. */
export const MAX_SHARDS = 10_000;

/** An answer stays well under Lambda's 6 MB response limit; a JSON number takes at most 25 bytes with its comma. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const BYTES_PER_VALUE = 25;

/** At least `minShards`, and enough that no shard's answer outgrows MAX_ANSWER_BYTES. */
export function shardsForAnswers(
  minShards: number,
  queries: number,
  categories: number,
  options: Pick<PassOptions, 'perCategory' | 'retrievalK'>,
): number {
  const valuesPerQuery = 1 + (options.perCategory ? categories : 0) + (options.retrievalK ? options.retrievalK.length + 1 : 0);
  const needed = Math.ceil((queries * valuesPerQuery * BYTES_PER_VALUE) / MAX_ANSWER_BYTES);
  return Math.min(MAX_SHARDS, Math.max(minShards, needed));
}

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UserInputError(`shard request: "${name}" must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Validates a shard request that came as JSON. */
export function parseShardRequest(input: unknown): ShardRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new UserInputError('shard request: must be a JSON object');
  const { baseline, shard, shards } = input as Record<string, unknown>;
  if (baseline !== null && typeof baseline !== 'string')
    throw new UserInputError('shard request: "baseline" must be null or a baseline name');
  const count = integerIn('shards', shards, 1, MAX_SHARDS);
  return { baseline: baseline as BaselineName | null, shard: integerIn('shard', shard, 0, count - 1), shards: count };
}

const encodeValues = (values: Float64Array): (number | null)[] => Array.from(values, (v) => (Number.isNaN(v) ? null : v));
const decodeValues = (values: (number | null)[]): Float64Array => Float64Array.from(values, (v) => v ?? NaN);

export function encodePassResult(result: PassResult): EncodedPassResult {
  return { r: encodeValues(result.r), categoryR: result.categoryR && encodeValues(result.categoryR), retrieval: result.retrieval };
}

export function decodePassResult(encoded: EncodedPassResult): PassResult {
  return { r: decodeValues(encoded.r), categoryR: encoded.categoryR && decodeValues(encoded.categoryR), retrieval: encoded.retrieval };
}

/** Computes one shard of one pass of scoreCorrEmbed(manifest, embeddings, options) (in worker threads when large). */
export async function computeShard(
  manifest: DatasetManifest,
  embeddings: EmbeddingMatrix,
  options: ScoreOptions,
  request: ShardRequest,
  context: PassContext & { blockSize?: number } = {},
): Promise<EncodedPassResult> {
  const { baseline, shard, shards } = parseShardRequest(request);
  const { blockSize, ...passContext } = context;
  const { queries, passes } = preparePasses(manifest, embeddings, options, blockSize);
  const pass = passes.find((p) => p.baseline === baseline);
  if (!pass) throw new UserInputError(`shard request: no pass for baseline ${JSON.stringify(baseline)} with these options`);
  const data = pass.prepare();
  const positions = shardQueries(data, queries, shards)[shard];
  const position = positions.byteOffset / Int32Array.BYTES_PER_ELEMENT;
  return encodePassResult(
    await runScorePass(
      data,
      Int32Array.from(positions, (p) => queries[p]),
      pass.options,
      { ...passContext, position },
    ),
  );
}

/** Refuses an answer that does not fit its shard: `queries` queries, `categories` categories, `options`. */
function checkAnswer(answer: EncodedPassResult, queries: number, categories: number, options: PassOptions, shard: string): void {
  const fail = (what: string): never => {
    throw new Error(`aggregate ${shard}: ${what}`);
  };
  if (!Array.isArray(answer?.r) || answer.r.length !== queries) fail(`answered ${answer?.r?.length} r values for ${queries} queries`);
  const categoryValues = options.perCategory ? queries * categories : null;
  if ((answer.categoryR?.length ?? null) !== categoryValues)
    fail(`answered ${answer.categoryR?.length ?? 'no'} per-category values, not ${categoryValues ?? 'none'}`);
  const K = options.retrievalK?.length ?? 0;
  const retrieval = answer.retrieval;
  const fits = retrieval
    ? K > 0 &&
      retrieval.topMeans.length % K === 0 &&
      retrieval.topMeans.length <= queries * K &&
      retrieval.ndcg.length <= retrieval.topMeans.length / K
    : K === 0;
  if (!fits) fail(`answered retrieval values that do not fit ${queries} queries`);
}

/**
 * A PassRunner that splits each pass's queries with shardQueries (into at least `minShards`, more when the answers
 * would be too large) and has `runShard` compute the shards (all at once; empty ones are not asked for). The merged
 * result is exactly that of one process.
 */
export function shardedPassRunner(minShards: number, runShard: (request: ShardRequest) => Promise<EncodedPassResult>): PassRunner {
  integerIn('shards', minShards, 1, MAX_SHARDS);
  return async ({ baseline, data, queries, options }) => {
    const shards = shardsForAnswers(minShards, queries.length, data.tags.categories.length, options);
    const split = shardQueries(data, queries, shards)
      .map((positions, shard) => ({ positions, shard }))
      .filter((s) => s.positions.length > 0);
    const categories = data.tags.categories.length;
    const results = await Promise.all(
      split.map(async ({ positions, shard }) => {
        const answer = await runShard({ baseline, shard, shards });
        checkAnswer(answer, positions.length, categories, options, `shard ${shard} of ${shards} (${baseline ?? 'main'} pass)`);
        return decodePassResult(answer);
      }),
    );
    return mergeShardResults(
      split.map((s) => s.positions),
      results,
      queries.length,
      categories,
      options,
    );
  };
}
