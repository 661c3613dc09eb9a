// EvaluationOptionsInput (typed, defaults stated in the schema) to the engine's options and back to the typed MetricOptions.
import type { EvaluationOptionsInput, MetricOptions, QuerySelectionInput } from '../../generated/graphql.js';
import { UserInputError } from '../../errors.js';
import type { QuerySelection, ScoreOptions } from '../../metric/options.js';

function querySelection(queries: QuerySelectionInput): QuerySelection {
  if (queries.imageIds && queries.sample !== null && queries.sample !== undefined)
    throw new UserInputError('options.queries: give imageIds or sample, not both');
  if (queries.imageIds) return queries.imageIds;
  if (queries.sample !== null && queries.sample !== undefined)
    return { sample: queries.sample, seed: queries.seed ?? 0, sampler: queries.sampler ?? 'sfc32' };
  return 'all';
}

/** The engine's options (what parseScoreOptions validates) for the typed input; fields left out keep the engine's defaults. */
export function engineOptions(input: EvaluationOptionsInput): Record<string, unknown> {
  const { queries, bootstrap, retrieval, baselines, ...plain } = input;
  const options: Record<string, unknown> = Object.fromEntries(Object.entries(plain).filter(([, value]) => value !== undefined));
  if (queries) options.queries = querySelection(queries);
  if (bootstrap)
    options.bootstrap =
      bootstrap.enabled === false ? false : { resamples: bootstrap.resamples ?? undefined, seed: bootstrap.seed ?? undefined };
  if (retrieval) options.retrieval = retrieval.enabled === false ? false : { k: retrieval.k ?? undefined };
  if (baselines) options.baselines = baselines.enabled === false ? false : { seed: baselines.seed ?? undefined };
  return options;
}

/** A run's options (as parseScoreOptions filled them in) as the schema's MetricOptions. */
export function metricOptions(options: ScoreOptions): MetricOptions {
  const { queries } = options;
  const sample = typeof queries === 'object' && !Array.isArray(queries) ? queries : null;
  return {
    preset: options.preset,
    tagWeighting: options.tagWeighting,
    roundWeights: options.roundWeights,
    weightRounding: options.weightRounding,
    tagIdentity: options.tagIdentity,
    dropCategories: options.dropCategories,
    representative: options.representative,
    includeSelf: options.includeSelf,
    roundSimilarity: options.roundSimilarity,
    correlation: options.correlation,
    queryImageIds: Array.isArray(queries) ? queries : null,
    querySample: sample?.sample ?? null,
    querySeed: sample?.seed ?? null,
    querySampler: sample?.sampler ?? null,
    precision: options.precision,
    perCategory: options.perCategory,
    bootstrapResamples: options.bootstrap?.resamples ?? null,
    bootstrapSeed: options.bootstrap?.seed ?? null,
    retrievalK: options.retrieval?.k ?? null,
    baselinesSeed: options.baselines?.seed ?? null,
  };
}
