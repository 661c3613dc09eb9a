// Resolvers of schema/analysis.graphql: the leaderboard and the accuracy-versus-CorrEmbed fit.
import { datasetAccuracyFit } from '../../analysis/accuracyFitService.js';
import type { Resolvers } from '../../generated/graphql.js';
import { leaderboard } from '../../runs/leaderboard.js';
import type { DomainContext } from './domainContext.js';

export function analysisResolvers({ services, guard }: DomainContext): Resolvers {
  const { prisma, datasets } = services;
  return {
    Query: {
      leaderboard: async (_, { datasetId }, context) => {
        guard.read(context);
        if (services.leaderboards) return services.leaderboards.get(datasetId);
        await datasets.get(datasetId);
        return leaderboard(prisma, datasetId);
      },
      accuracyFit: async (_, { datasetId, threshold, sigmas }, context) => {
        guard.read(context);
        await datasets.get(datasetId);
        return datasetAccuracyFit(prisma, datasetId, { threshold, sigmas });
      },
    },
  };
}
