// The CorrEmbed engine's entry point: validated dataset + embeddings + options -> score report.
import type { SimilarityKernelFactory } from '../linalg/similarityKernel.js';
import { baselineInputs, type BaselineName } from './baselines.js';
import { bootstrapMeanInterval } from './bootstrap.js';
import type { DatasetManifest } from './dataset.js';
import type { EmbeddingMatrix } from './embeddings.js';
import { hasCoarseRounding, type MetricOptions, type ScoreOptions } from './options.js';
import { prepareDataset, type Precision, type PreparedDataset } from './prepared.js';
import { selectQueries } from './querySelection.js';
import { scoreNotices, type QuirkNotice } from './quirkNotices.js';
import { runScorePass } from './parallelScoring.js';
import { summariseRetrieval, type RetrievalSummary } from './retrieval.js';
import type { PassOptions, PassResult, ProgressListener } from './scorePass.js';

export interface BaselineScore {
  score: number | null;
  queriesUsed: number;
}

export interface ScoreReport {
  dataset: string;
  score: number | null;
  queriesUsed: number;
  queriesDropped: number;
  droppedQueries: string[];
  /** r of every query whose r is defined, keyed by image id. */
  perQuery: Record<string, number>;
  ci95: [number, number] | null;
  perCategory: Record<string, number | null> | null;
  baselines: Record<BaselineName, BaselineScore> | null;
  retrieval: RetrievalSummary | null;
  images: number;
  items: number;
  itemsWithoutImages: number;
  dim: number;
  /** The arithmetic the similarities were computed in (see the `precision` option). */
  precision: Precision;
  /** What the authors' notebook quirks changed on this dataset, each naming the option that corrects it. */
  notices: QuirkNotice[];
  options: ScoreOptions;
  seconds: number;
}

export interface ScoreContext {
  kernelFactory?: SimilarityKernelFactory;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Scoring threads (default: one per core; small problems always run on the calling thread). */
  threads?: number;
  /** Multiply-adds from which scoring uses worker threads (default 2e10). */
  parallelWork?: number;
  /** The calling thread may score large passes itself (see callingThreadScores; default false). */
  callingThread?: boolean;
  /** Queries per similarity block (default: sized from the target count). */
  blockSize?: number;
  /** Runs each scoring pass (default: runScorePass in this process, reporting progress). */
  passRunner?: PassRunner;
}

/** Scores `queries` (image indices) of one pass; r and categoryR in the order of `queries`. */
export type PassRunner = (pass: {
  baseline: BaselineName | null;
  data: PreparedDataset;
  queries: Int32Array;
  options: PassOptions;
}) => Promise<PassResult>;

/** Multiply-adds below which double precision costs well under a second. */
const SMALL_PRODUCT_WORK = 5e9;

/**
 * float32 similarities are within ~1e-7 of float64 ones; after rounding to >= 4 decimals that moves r by far
 * less than 1e-4. Coarser rounding could flip a value by a whole step, so it (and any cheap problem) gets float64.
 */
export function resolvePrecision(options: MetricOptions, queryCount: number, targetRows: number, dim: number): Precision {
  if (options.precision !== 'auto') return options.precision;
  if (hasCoarseRounding(options)) return 'float64';
  return queryCount * targetRows * dim <= SMALL_PRODUCT_WORK ? 'float64' : 'float32';
}

function mean(values: Float64Array): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function definedValues(values: Float64Array, stride = 1, offset = 0): Float64Array {
  const out: number[] = [];
  for (let i = offset; i < values.length; i += stride) if (!Number.isNaN(values[i])) out.push(values[i]);
  return Float64Array.from(out);
}

/** One scoring pass over the query list: the model's embeddings (baseline null) or one chance-level baseline. */
export interface ScorePass<B extends BaselineName | null = BaselineName | null> {
  baseline: B;
  options: PassOptions;
  /** Indexes this pass's dataset (done on demand: each prepared dataset holds a copy of the embeddings). */
  prepare(): PreparedDataset;
}

export interface PreparedPasses {
  /** Image indices of the queries, as every pass scores them. */
  queries: Int32Array;
  precision: Precision;
  /** The main pass first, then one per baseline. */
  passes: [ScorePass<null>, ...ScorePass<BaselineName>[]];
}

/** Everything a score report needs before any similarity is computed; the same for every process given the same input. */
export function preparePasses(
  manifest: DatasetManifest,
  embeddings: EmbeddingMatrix,
  options: ScoreOptions,
  blockSize?: number,
): PreparedPasses {
  const queries = selectQueries(
    options.queries,
    manifest.images.map((i) => i.id),
  );
  const targetRows = options.representative === 'nearest' ? manifest.images.length : new Set(manifest.images.map((i) => i.item)).size;
  const precision = resolvePrecision(options, queries.length, targetRows, embeddings.dim);
  const passOptions: PassOptions = {
    representative: options.representative,
    includeSelf: options.includeSelf,
    roundSimilarity: options.roundSimilarity,
    correlation: options.correlation,
    perCategory: options.perCategory,
    retrievalK: options.retrieval ? options.retrieval.k : null,
    blockSize,
  };
  const bareOptions: PassOptions = { ...passOptions, perCategory: false, retrievalK: null };
  const baselines = options.baselines ? baselineInputs(manifest, embeddings, options.baselines.seed) : [];
  return {
    queries,
    precision,
    passes: [
      { baseline: null, options: passOptions, prepare: () => prepareDataset(manifest, embeddings, options, precision) },
      ...baselines.map((b) => ({
        baseline: b.name,
        options: bareOptions,
        prepare: () => prepareDataset(b.manifest, b.embeddings, options, precision),
      })),
    ],
  };
}

/** Computes CorrEmbed (and the extras the options switch on) for one model's embeddings of a dataset. */
export async function scoreCorrEmbed(
  manifest: DatasetManifest,
  embeddings: EmbeddingMatrix,
  options: ScoreOptions,
  context: ScoreContext = {},
): Promise<ScoreReport> {
  const started = performance.now();
  const imageIds = manifest.images.map((i) => i.id);
  const { queries, precision, passes } = preparePasses(manifest, embeddings, options, context.blockSize);
  const passContext = {
    kernelFactory: context.kernelFactory,
    threads: context.threads,
    parallelWork: context.parallelWork,
    callingThread: context.callingThread,
  };
  const runPass: PassRunner =
    context.passRunner ??
    ((pass) => {
      const stage = pass.baseline === null ? 'scoring' : `baseline ${pass.baseline}`;
      const onProgress: ProgressListener | undefined = context.onProgress
        ? (done, total) => context.onProgress!(stage, done, total)
        : undefined;
      return runScorePass(pass.data, pass.queries, pass.options, { ...passContext, onProgress });
    });
  const [main, ...baselines] = passes;
  const data = main.prepare();
  const pass = await runPass({ baseline: null, data, queries, options: main.options });

  const defined = definedValues(pass.r);
  const perQuery: Record<string, number> = {};
  const droppedQueries: string[] = [];
  queries.forEach((image, p) => {
    if (Number.isNaN(pass.r[p])) droppedQueries.push(imageIds[image]);
    else perQuery[imageIds[image]] = pass.r[p];
  });

  let perCategory: Record<string, number | null> | null = null;
  if (pass.categoryR) {
    const C = data.tags.categories.length;
    perCategory = Object.fromEntries(data.tags.categories.map((c, j) => [c, mean(definedValues(pass.categoryR!, C, j))]));
  }

  let baselineScores: Record<BaselineName, BaselineScore> | null = null;
  if (baselines.length > 0) {
    baselineScores = {} as Record<BaselineName, BaselineScore>;
    for (const baseline of baselines) {
      const result = await runPass({ baseline: baseline.baseline, data: baseline.prepare(), queries, options: baseline.options });
      const values = definedValues(result.r);
      baselineScores[baseline.baseline] = { score: mean(values), queriesUsed: values.length };
    }
  }

  return {
    dataset: manifest.name,
    score: mean(defined),
    queriesUsed: defined.length,
    queriesDropped: queries.length - defined.length,
    droppedQueries,
    perQuery,
    ci95: options.bootstrap ? bootstrapMeanInterval(defined, options.bootstrap.resamples, options.bootstrap.seed) : null,
    perCategory,
    baselines: baselineScores,
    retrieval: pass.retrieval ? summariseRetrieval(pass.retrieval) : null,
    images: imageIds.length,
    items: data.itemIds.length,
    itemsWithoutImages: data.itemsWithoutImages,
    dim: data.dim,
    precision,
    notices: scoreNotices(manifest, data.itemIds, options),
    options,
    seconds: (performance.now() - started) / 1000,
  };
}
