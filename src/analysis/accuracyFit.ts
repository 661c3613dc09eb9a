// The paper's accuracy-versus-CorrEmbed analysis: a least-squares line, residuals, outliers and per-category ranks.
import { UserInputError } from '../errors.js';

/** One model's result on a dataset: ImageNet acc@1 in % (null when unknown) and its CorrEmbed score. */
export interface FitPoint {
  modelId: string;
  accuracy: number | null;
  score: number;
  /** Category -> the model's CorrEmbed within that category (null where it could not be computed). */
  perCategory?: Record<string, number | null> | null;
}

export interface OutlierRule {
  /** An absolute residual cut-off; excludes `sigmas`. */
  threshold?: number | null;
  /** Residual standard deviations beyond which a model is an outlier (default 2). */
  sigmas?: number | null;
}

/** score = slope * accuracy + intercept, by ordinary least squares over the n models with an accuracy. */
export interface LinearFit {
  slope: number;
  intercept: number;
  /** Pearson r between accuracy and score; null when every score is equal. */
  r: number | null;
  rSquared: number | null;
  /** sqrt(sum of squared residuals / (n - 2)): the regression's standard error, n - 2 degrees of freedom. */
  residualSd: number;
  n: number;
  /** The |residual| beyond which a model is an outlier: the threshold given, else sigmas * residualSd. */
  outlierThreshold: number;
}

export interface FittedModel {
  modelId: string;
  accuracy: number;
  score: number;
  predicted: number | null;
  residual: number | null;
  /** residual / residualSd: how many standard deviations the score lies above (or below) the line. */
  normalisedScore: number | null;
  outlier: boolean;
}

export interface CategoryRank {
  modelId: string;
  score: number | null;
  /** 1 is best; equal scores share a rank (1, 2, 2, 4); null when the model has no score in the category. */
  rank: number | null;
}

export interface AccuracyFitResult {
  fit: LinearFit | null;
  /** Why there is no fit (null when there is one). */
  reason: string | null;
  models: FittedModel[];
  modelsWithoutAccuracy: { modelId: string; score: number }[];
  categories: { category: string; models: CategoryRank[] }[];
}

const MIN_FIT_MODELS = 3;
const DEFAULT_SIGMAS = 2;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new UserInputError(`${name} must be a positive number`);
  return value;
}

/** Checks the rule; returns the absolute residual cut-off for a given residual standard deviation. */
function outlierCutoff(rule: OutlierRule): (residualSd: number) => number {
  if (rule.threshold != null && rule.sigmas != null) throw new UserInputError('give threshold or sigmas, not both');
  if (rule.threshold != null) {
    const threshold = positive('threshold', rule.threshold);
    return () => threshold;
  }
  const sigmas = positive('sigmas', rule.sigmas ?? DEFAULT_SIGMAS);
  return (residualSd) => sigmas * residualSd;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The line through (accuracy, score), or why there is none. */
function linearFit(
  points: { accuracy: number; score: number }[],
  cutoff: (residualSd: number) => number,
): { fit: LinearFit | null; reason: string | null } {
  const n = points.length;
  if (n < MIN_FIT_MODELS)
    return {
      fit: null,
      reason: `a fit needs at least ${MIN_FIT_MODELS} models with an ImageNet accuracy; ${n} ha${n === 1 ? 's' : 've'} one`,
    };
  const mx = mean(points.map((p) => p.accuracy));
  const my = mean(points.map((p) => p.score));
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const { accuracy, score } of points) {
    sxx += (accuracy - mx) ** 2;
    syy += (score - my) ** 2;
    sxy += (accuracy - mx) * (score - my);
  }
  if (!(sxx > 0)) return { fit: null, reason: 'every model has the same ImageNet accuracy, so no line can be fitted' };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r = syy > 0 ? Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy))) : null;
  const ssResidual = points.reduce((sum, p) => sum + (p.score - (slope * p.accuracy + intercept)) ** 2, 0);
  const residualSd = Math.sqrt(ssResidual / (n - 2));
  return {
    fit: { slope, intercept, r, rSquared: r === null ? null : r * r, residualSd, n, outlierThreshold: cutoff(residualSd) },
    reason: null,
  };
}

function fittedModel(point: FitPoint & { accuracy: number }, fit: LinearFit | null): FittedModel {
  const base = { modelId: point.modelId, accuracy: point.accuracy, score: point.score };
  if (!fit) return { ...base, predicted: null, residual: null, normalisedScore: null, outlier: false };
  const predicted = fit.slope * point.accuracy + fit.intercept;
  const residual = point.score - predicted;
  return {
    ...base,
    predicted,
    residual,
    normalisedScore: fit.residualSd > 0 ? residual / fit.residualSd : null,
    outlier: Math.abs(residual) > fit.outlierThreshold,
  };
}

/** For each category (by name), every model's score in it and its rank, best first, models without a score last. */
function categoryComparison(points: FitPoint[]): { category: string; models: CategoryRank[] }[] {
  const names = [...new Set(points.flatMap((p) => Object.keys(p.perCategory ?? {})))].sort();
  return names.map((category) => {
    const scored = points.map((p) => ({ modelId: p.modelId, score: p.perCategory?.[category] ?? null }));
    const ranked = scored.filter((s): s is { modelId: string; score: number } => s.score !== null).sort((a, b) => b.score - a.score);
    const rankOf = (score: number): number => ranked.findIndex((s) => s.score === score) + 1;
    return {
      category,
      models: [
        ...ranked.map((s) => ({ ...s, rank: rankOf(s.score) })),
        ...scored.filter((s) => s.score === null).map((s) => ({ ...s, rank: null })),
      ],
    };
  });
}

/** The whole analysis; models keep the order they are given in. */
export function accuracyFit(points: FitPoint[], rule: OutlierRule = {}): AccuracyFitResult {
  const cutoff = outlierCutoff(rule);
  const withAccuracy = points.filter((p): p is FitPoint & { accuracy: number } => p.accuracy !== null);
  const { fit, reason } = linearFit(withAccuracy, cutoff);
  return {
    fit,
    reason,
    models: withAccuracy.map((p) => fittedModel(p, fit)),
    modelsWithoutAccuracy: points.filter((p) => p.accuracy === null).map((p) => ({ modelId: p.modelId, score: p.score })),
    categories: categoryComparison(points),
  };
}
