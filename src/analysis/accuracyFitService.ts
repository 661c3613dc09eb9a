// The accuracy-versus-CorrEmbed analysis of a dataset's leaderboard, with each model's row attached for the API.
import type { PrismaClient } from '../generated/prisma/client.js';
import { leaderboard } from './leaderboard.js';
import { accuracyFit, type OutlierRule } from './accuracyFit.js';

/** The accuracy a model's imagenetAcc1 holds when its manifest names no other. */
export const IMAGENET_TOP1 = 'ImageNet top-1 accuracy';

/** accuracyFit over the leaderboard entries (latest default-metric evaluation per model), ImageNet acc@1 (or the metric the models name) as accuracy. */
export async function datasetAccuracyFit(prisma: PrismaClient, datasetId: string, rule: OutlierRule) {
  const entries = await leaderboard(prisma, datasetId);
  const models = new Map(entries.map((e) => [e.model.id, e.model]));
  const result = accuracyFit(
    entries.map((e) => ({
      modelId: e.model.id,
      accuracy: e.model.imagenetAcc1,
      score: e.score,
      perCategory: e.evaluation.perCategory as Record<string, number | null> | null,
    })),
    rule,
  );
  const withModel = <T extends { modelId: string }>(entry: T) => ({ ...entry, model: models.get(entry.modelId)! });
  const fitted = result.models.map(withModel);
  return {
    ...result,
    accuracyMetric: [...new Set(fitted.map((m) => m.model.accuracyMetric ?? IMAGENET_TOP1))].join(' / ') || IMAGENET_TOP1,
    models: fitted,
    modelsWithoutAccuracy: result.modelsWithoutAccuracy.map(withModel),
    categories: result.categories.map((c) => ({ category: c.category, models: c.models.map(withModel) })),
  };
}
