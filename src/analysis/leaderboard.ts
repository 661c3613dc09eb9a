// The leaderboard: per model, its latest succeeded evaluation under the default metric options, ranked by score.
import type { PrismaClient } from '../generated/prisma/client.js';
import { parseScoreOptions, type MetricOptions } from '../metric/options.js';

const METRIC_KEYS: (keyof MetricOptions)[] = [
  'tagWeighting',
  'roundWeights',
  'weightRounding',
  'tagIdentity',
  'dropCategories',
  'representative',
  'includeSelf',
  'roundSimilarity',
  'correlation',
  'queries',
];

/** True when the stored options compute the paper's default metric (extras such as bootstrap do not matter). */
export function usesDefaultMetric(options: unknown): boolean {
  const used = parseScoreOptions(options);
  const defaults = parseScoreOptions({});
  return METRIC_KEYS.every((k) => JSON.stringify(used[k]) === JSON.stringify(defaults[k]));
}

/** A model's leaderboard entry: rank 1 is the best score. */
export type LeaderboardRow = Awaited<ReturnType<typeof leaderboard>>[number];

export async function leaderboard(prisma: PrismaClient, datasetId: string) {
  const evaluations = await prisma.evaluation.findMany({
    where: { status: 'succeeded', score: { not: null }, run: { datasetId } },
    include: { model: true, run: true },
    // Per-query correlations are read only to compare two models (ModelComparisons).
    omit: { perQuery: true },
    orderBy: { finishedAt: 'desc' },
  });
  const latest = new Map<string, (typeof evaluations)[number]>();
  for (const evaluation of evaluations) {
    if (!latest.has(evaluation.modelId) && usesDefaultMetric(evaluation.run.options)) latest.set(evaluation.modelId, evaluation);
  }
  return [...latest.values()]
    .sort((a, b) => b.score! - a.score!)
    .map((evaluation, i) => ({
      rank: i + 1,
      evaluation,
      model: evaluation.model,
      score: evaluation.score!,
      ci95: evaluation.ciLow === null || evaluation.ciHigh === null ? null : { low: evaluation.ciLow, high: evaluation.ciHigh },
      runId: evaluation.runId,
    }));
}
