// Resolvers of schema/models.graphql: listing, registering and deleting models, their recipe and metadata.
import type { Resolvers } from '../../generated/graphql.js';
import { parsePreprocessRecipe } from '../../imaging/recipe.js';
import { connection } from '../connection.js';
import type { DomainContext } from './domainContext.js';

export function modelResolvers({ services, guard }: DomainContext): Resolvers {
  const { auditLog } = services;
  const { prisma, models } = services;
  return {
    Query: {
      models: async (_, args, context) => {
        guard.read(context);
        return connection(args, await prisma.model.count(), (skip, take) => models.list({ skip, take }));
      },
      model: (_, { id }, context) => (guard.read(context), prisma.model.findUnique({ where: { id } })),
    },
    Mutation: auditLog.audited({
      registerModel: (_, { input }, context) => (guard.require(context, 'admin'), models.register(input.manifestPath)),
      deleteModel: (_, { id }, context) => (guard.require(context, 'admin'), models.delete(id)),
    }),
    Model: {
      preprocess: (m) => parsePreprocessRecipe(m.preprocess),
      metadata: (m) => ({
        family: m.family,
        imagenetAcc1: m.imagenetAcc1,
        imagenetAcc5: m.imagenetAcc5,
        accuracyMetric: m.accuracyMetric,
        params: m.params,
        gflops: m.gflops,
        imagesPerSecond: m.embedSeconds > 0 ? m.embeddedImages / m.embedSeconds : null,
      }),
    },
  };
}
