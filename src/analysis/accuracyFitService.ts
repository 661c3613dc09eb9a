// The accuracy-versus-CorrEmbed analysis of a dataset's leaderboard, with each model's row attached for the API.
import type { PrismaClient } from '../generated/prisma/client.js';
import { leaderboard } from '../runs/leaderboard.js';
import { accuracyFit, type OutlierRule } from './accuracyFit.js';

/** accuracyFit over the leaderboard entries (latest default-metric evaluation per model), ImageNet acc@1 as accuracy. */
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
  return {
    ...result,
    models: result.models.map(withModel),
    modelsWithoutAccuracy: result.modelsWithoutAccuracy.map(withModel),
    categories: result.categories.map((c) => ({ category: c.category, models: c.models.map(withModel) })),
  };
}
