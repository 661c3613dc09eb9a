// CorrEmbed options: their types, the paper-exact defaults, and validation of user-supplied JSON.
import { UserInputError } from '../errors.js';

export const TAG_WEIGHTINGS = ['weighted', 'binary'] as const;
export const REPRESENTATIVES = ['first', 'nearest', 'mean'] as const;
export const CORRELATIONS = ['pearson', 'spearman'] as const;
export const PRECISIONS = ['auto', 'float32', 'float64'] as const;
export type TagWeighting = (typeof TAG_WEIGHTINGS)[number];
export type Representative = (typeof REPRESENTATIVES)[number];
export type Correlation = (typeof CORRELATIONS)[number];
export type QuerySelection = 'all' | string[] | { sample: number; seed: number };
export type PrecisionOption = (typeof PRECISIONS)[number];

export interface BootstrapOptions {
  resamples: number;
  seed: number;
}

export interface RetrievalOptions {
  k: number[];
}

export interface BaselineOptions {
  seed: number;
}

/** Options of the metric proper (what changes a per-query r). */
export interface MetricOptions {
  tagWeighting: TagWeighting;
  roundWeights: number | null;
  representative: Representative;
  includeSelf: boolean;
  roundSimilarity: number | null;
  correlation: Correlation;
  queries: QuerySelection;
  /** Similarity arithmetic; 'auto' uses float64 for small problems and for rounding to <= 3 decimals. */
  precision: PrecisionOption;
}

/** Metric options plus the extras computed from the same pass. */
export interface ScoreOptions extends MetricOptions {
  perCategory: boolean;
  bootstrap: BootstrapOptions | null;
  retrieval: RetrievalOptions | null;
  baselines: BaselineOptions | null;
}

export const NDCG_DEPTH = 10;

/** Rounding to 3 decimals or fewer, where a float32 error can flip a rounded similarity by a whole step. */
export function hasCoarseRounding(options: Pick<MetricOptions, 'roundSimilarity'>): boolean {
  return options.roundSimilarity !== null && options.roundSimilarity <= 3;
}

export const DEFAULT_OPTIONS: Readonly<ScoreOptions> = Object.freeze({
  tagWeighting: 'weighted',
  roundWeights: 2,
  representative: 'first',
  includeSelf: true,
  roundSimilarity: 4,
  correlation: 'pearson',
  queries: 'all',
  precision: 'auto',
  perCategory: true,
  bootstrap: { resamples: 1000, seed: 0 },
  retrieval: { k: [1, 5, 10] },
  baselines: null,
});

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_OPTIONS));

function fail(message: string): never {
  throw new UserInputError(`options: ${message}`);
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(`"${key}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

function digitsOrNull(key: string, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 12) {
    fail(`"${key}" must be an integer number of decimals between 0 and 12, or null for no rounding`);
  }
  return value;
}

function integerIn(key: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${key}" must be an integer between ${min} and ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function boolean(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(`"${key}" must be true or false`);
  return value;
}

function plainObject(key: string, value: unknown, allowedKeys: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`"${key}" must be true, false or an object`);
  for (const k of Object.keys(value)) {
    if (!allowedKeys.includes(k)) fail(`"${key}" has unknown field "${k}" (known: ${allowedKeys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function parseQueries(value: unknown): QuerySelection {
  if (value === 'all') return 'all';
  if (Array.isArray(value)) {
    if (value.length === 0) fail('"queries" list is empty');
    if (!value.every((v) => typeof v === 'string')) fail('"queries" list must hold image ids (strings)');
    return value as string[];
  }
  if (typeof value === 'object' && value !== null) {
    const o = plainObject('queries', value, ['sample', 'seed']);
    return { sample: integerIn('queries.sample', o.sample, 1), seed: integerIn('queries.seed', o.seed ?? 0, 0, 2 ** 32 - 1) };
  }
  return fail('"queries" must be "all", a list of image ids, or { "sample": n, "seed": s }');
}

function parseBootstrap(value: unknown): BootstrapOptions | null {
  const defaults = DEFAULT_OPTIONS.bootstrap!;
  if (value === false || value === null) return null;
  if (value === true) return { ...defaults };
  const o = plainObject('bootstrap', value, ['resamples', 'seed']);
  return {
    resamples: integerIn('bootstrap.resamples', o.resamples ?? defaults.resamples, 1000, 1_000_000),
    seed: integerIn('bootstrap.seed', o.seed ?? defaults.seed, 0, 2 ** 32 - 1),
  };
}

function parseRetrieval(value: unknown): RetrievalOptions | null {
  if (value === false || value === null) return null;
  if (value === true) return { k: [...DEFAULT_OPTIONS.retrieval!.k] };
  const o = plainObject('retrieval', value, ['k']);
  const k = o.k ?? DEFAULT_OPTIONS.retrieval!.k;
  if (!Array.isArray(k) || k.length === 0) fail('"retrieval.k" must be a non-empty list of integers');
  return { k: [...new Set(k.map((v, i) => integerIn(`retrieval.k[${i}]`, v, 1, 1000)))].sort((a, b) => a - b) };
}

function parseBaselines(value: unknown): BaselineOptions | null {
  if (value === false || value === null) return null;
  if (value === true) return { seed: 0 };
  const o = plainObject('baselines', value, ['seed']);
  return { seed: integerIn('baselines.seed', o.seed ?? 0, 0, 2 ** 32 - 1) };
}

/** Validates user options (e.g. an options.json file) and fills in the defaults. */
export function parseScoreOptions(input: unknown): ScoreOptions {
  if (input === undefined || input === null) return { ...DEFAULT_OPTIONS };
  if (typeof input !== 'object' || Array.isArray(input)) fail('must be a JSON object');
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const has = (k: string): boolean => raw[k] !== undefined;
  return {
    tagWeighting: has('tagWeighting') ? oneOf('tagWeighting', raw.tagWeighting, TAG_WEIGHTINGS) : DEFAULT_OPTIONS.tagWeighting,
    roundWeights: has('roundWeights') ? digitsOrNull('roundWeights', raw.roundWeights) : DEFAULT_OPTIONS.roundWeights,
    representative: has('representative') ? oneOf('representative', raw.representative, REPRESENTATIVES) : DEFAULT_OPTIONS.representative,
    includeSelf: has('includeSelf') ? boolean('includeSelf', raw.includeSelf) : DEFAULT_OPTIONS.includeSelf,
    roundSimilarity: has('roundSimilarity') ? digitsOrNull('roundSimilarity', raw.roundSimilarity) : DEFAULT_OPTIONS.roundSimilarity,
    correlation: has('correlation') ? oneOf('correlation', raw.correlation, CORRELATIONS) : DEFAULT_OPTIONS.correlation,
    queries: has('queries') ? parseQueries(raw.queries) : DEFAULT_OPTIONS.queries,
    precision: has('precision') ? oneOf('precision', raw.precision, PRECISIONS) : DEFAULT_OPTIONS.precision,
    perCategory: has('perCategory') ? boolean('perCategory', raw.perCategory) : DEFAULT_OPTIONS.perCategory,
    bootstrap: has('bootstrap') ? parseBootstrap(raw.bootstrap) : parseBootstrap(true),
    retrieval: has('retrieval') ? parseRetrieval(raw.retrieval) : parseRetrieval(true),
    baselines: has('baselines') ? parseBaselines(raw.baselines) : null,
  };
}
