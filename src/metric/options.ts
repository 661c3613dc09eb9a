// CorrEmbed options: their types, the paper-exact defaults, and validation of user-supplied JSON.
import { UserInputError } from '../errors.js';

export const TAG_WEIGHTINGS = ['weighted', 'binary'] as const;
export const REPRESENTATIVES = ['first', 'nearest', 'mean'] as const;
export const CORRELATIONS = ['pearson', 'spearman'] as const;
/** 'torch': float32 cosines as torch.nn.functional.cosine_similarity computes them (the authors' notebooks). */
export const PRECISIONS = ['auto', 'float32', 'float64', 'torch'] as const;
/** How a tag is told apart from another: by its name alone (the notebooks' vocabulary) or by category and name. */
export const TAG_IDENTITIES = ['name', 'category'] as const;
/** 'python': round(w, digits) on the binary double (the notebooks); 'halfEven': half to even on w * 10^digits (numpy.round). */
export const WEIGHT_ROUNDINGS = ['python', 'halfEven'] as const;
/** 'notebook': every default as the authors' notebooks compute it; 'corrected': each notebook quirk's correction. */
export const OPTION_PRESETS = ['notebook', 'corrected'] as const;
/** The engine's own seeded sampler, or the rows pandas' `DataFrame.sample(n, random_state=seed)` picks. */
export const QUERY_SAMPLERS = ['sfc32', 'pandas'] as const;
export type TagWeighting = (typeof TAG_WEIGHTINGS)[number];
export type Representative = (typeof REPRESENTATIVES)[number];
export type Correlation = (typeof CORRELATIONS)[number];
export type PrecisionOption = (typeof PRECISIONS)[number];
export type TagIdentity = (typeof TAG_IDENTITIES)[number];
export type WeightRounding = (typeof WEIGHT_ROUNDINGS)[number];
export type OptionPreset = (typeof OPTION_PRESETS)[number];
export type QuerySampler = (typeof QUERY_SAMPLERS)[number];
/** A seeded sample of images. */
export interface QuerySample {
  sample: number;
  seed: number;
  sampler: QuerySampler;
}
export type QuerySelection = 'all' | string[] | QuerySample;

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
  weightRounding: WeightRounding;
  tagIdentity: TagIdentity;
  /** Categories whose tags are left out of the tag vectors (the notebooks drop Size, brand, Fit and Shoe Size). */
  dropCategories: string[];
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
  /** The preset the other options started from (explicit options override it). */
  preset: OptionPreset;
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

/** The categories the authors' scoring notebooks drop before building tag vectors (IGNORE_CATEGORIES). */
export const NOTEBOOK_DROPPED_CATEGORIES: readonly string[] = Object.freeze(['Size', 'brand', 'Fit', 'Shoe Size']);

export const DEFAULT_OPTIONS: Readonly<ScoreOptions> = Object.freeze({
  preset: 'notebook',
  tagWeighting: 'weighted',
  roundWeights: 2,
  weightRounding: 'python',
  tagIdentity: 'name',
  dropCategories: [...NOTEBOOK_DROPPED_CATEGORIES],
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

/** What the 'corrected' preset changes: each notebook quirk switched to its correction. */
const CORRECTED: Readonly<Pick<ScoreOptions, 'weightRounding' | 'tagIdentity' | 'dropCategories'>> = Object.freeze({
  weightRounding: 'halfEven',
  tagIdentity: 'category',
  dropCategories: [],
});

/** The defaults a preset starts from. */
export function presetDefaults(preset: OptionPreset): ScoreOptions {
  const base = preset === 'corrected' ? { ...DEFAULT_OPTIONS, ...CORRECTED, preset } : DEFAULT_OPTIONS;
  return { ...base, dropCategories: [...base.dropCategories] };
}

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
    const o = plainObject('queries', value, ['sample', 'seed', 'sampler']);
    return {
      sample: integerIn('queries.sample', o.sample, 1),
      seed: integerIn('queries.seed', o.seed ?? 0, 0, 2 ** 32 - 1),
      sampler: o.sampler === undefined ? 'sfc32' : oneOf('queries.sampler', o.sampler, QUERY_SAMPLERS),
    };
  }
  return fail('"queries" must be "all", a list of image ids, or { "sample": n, "seed": s, "sampler": "sfc32" | "pandas" }');
}

function parseCategoryList(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    fail('"dropCategories" must be a list of category names (non-empty strings)');
  }
  return [...new Set(value as string[])];
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
  if (input === undefined || input === null) return presetDefaults(DEFAULT_OPTIONS.preset);
  if (typeof input !== 'object' || Array.isArray(input)) fail('must be a JSON object');
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const has = (k: string): boolean => raw[k] !== undefined;
  const defaults = presetDefaults(has('preset') ? oneOf('preset', raw.preset, OPTION_PRESETS) : DEFAULT_OPTIONS.preset);
  return {
    preset: defaults.preset,
    tagWeighting: has('tagWeighting') ? oneOf('tagWeighting', raw.tagWeighting, TAG_WEIGHTINGS) : defaults.tagWeighting,
    roundWeights: has('roundWeights') ? digitsOrNull('roundWeights', raw.roundWeights) : defaults.roundWeights,
    weightRounding: has('weightRounding') ? oneOf('weightRounding', raw.weightRounding, WEIGHT_ROUNDINGS) : defaults.weightRounding,
    tagIdentity: has('tagIdentity') ? oneOf('tagIdentity', raw.tagIdentity, TAG_IDENTITIES) : defaults.tagIdentity,
    dropCategories: has('dropCategories') ? parseCategoryList(raw.dropCategories) : defaults.dropCategories,
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
