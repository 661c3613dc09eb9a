// Resolvers of schema/analysis.graphql: the leaderboard, compareModels, modelDisagreements and the accuracy-versus-CorrEmbed fit.
import { datasetAccuracyFit } from '../../analysis/accuracyFitService.js';
import { leaderboardView, ndcgAt10 } from '../../analysis/leaderboardView.js';
import { ModelComparisons, NoPerQueryCorrelations } from '../../analysis/modelComparisons.js';
import type { Resolvers } from '../../generated/graphql.js';
import { leaderboard, type LeaderboardRow } from '../../analysis/leaderboard.js';
import { integerInRange } from '../../gallery/argumentRange.js';
import { connectionOf } from '../connection.js';
import type { DomainContext } from './domainContext.js';

/** The p-value below which a gap counts as significant. */
const SIGNIFICANCE = 0.05;
/** Most queries one modelDisagreements answer lists. */
const MAX_DISAGREEMENTS = 1000;

export function analysisResolvers({ services, guard }: DomainContext): Resolvers {
  const { prisma, datasets, gallery } = services;
  /** NOT_FOUND for an unknown dataset. */
  const leaderboardOf = async (datasetId: string): Promise<LeaderboardRow[]> => {
    if (services.leaderboards) return services.leaderboards.get(datasetId);
    await datasets.get(datasetId);
    return leaderboard(prisma, datasetId);
  };
  const comparisons = new ModelComparisons(prisma, leaderboardOf);
  return {
    Query: {
      leaderboard: async (_, { datasetId, filter, orderBy, ...args }, context) => {
        guard.read(context);
        const order = { field: orderBy?.field ?? 'SCORE', direction: orderBy?.direction ?? 'DESC' } as const;
        return connectionOf(args, leaderboardView(await leaderboardOf(datasetId), filter ?? {}, order));
      },
      compareModels: (_, { datasetId, a, b }, context) => (guard.read(context), comparisons.compare(datasetId, a, b)),
      modelDisagreements: async (_, { datasetId, a, b, first }, context) => {
        guard.read(context);
        const found = await comparisons.disagreements(datasetId, a, b, integerInRange('first', first, 1, MAX_DISAGREEMENTS));
        const images = await gallery.imagesByNames(
          datasetId,
          found.queries.map((q) => q.imageName),
        );
        const byName = new Map(images.map((image) => [image.name, image]));
        return {
          ...found,
          queries: found.queries.flatMap((q) => (byName.has(q.imageName) ? [{ ...q, image: byName.get(q.imageName)! }] : [])),
        };
      },
      accuracyFit: async (_, { datasetId, threshold, sigmas }, context) => {
        guard.read(context);
        await datasets.get(datasetId);
        return datasetAccuracyFit(prisma, datasetId, { threshold, sigmas });
      },
    },
    LeaderboardEntry: {
      ndcgAt10: (row) => ndcgAt10(row),
      run: (row) => row.evaluation.run,
      comparedWithBest: async (row) => {
        if (row.rank === 1) return null;
        const { datasetId } = row.evaluation.run;
        const [best] = await leaderboardOf(datasetId);
        // An older evaluation leaves this entry without a comparison rather than failing the whole leaderboard.
        return comparisons.compare(datasetId, best.model.id, row.model.id).catch((error: unknown) => {
          if (error instanceof NoPerQueryCorrelations) return null;
          throw error;
        });
      },
    },
    ModelDisagreements: {
      a: (d) => d.a.model,
      b: (d) => d.b.model,
    },
    ModelComparison: {
      dataset: (c) => datasets.get(c.datasetId),
      a: (c) => c.a.model,
      b: (c) => c.b.model,
      evaluationA: (c) => c.a.evaluation,
      evaluationB: (c) => c.b.evaluation,
      ci95: (c) => (c.ci95 ? { low: c.ci95[0], high: c.ci95[1] } : null),
      significant: (c) => c.pValue !== null && c.pValue < SIGNIFICANCE,
    },
  };
}
