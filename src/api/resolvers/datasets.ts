// Resolvers of schema/datasets.graphql: listing, importing and deleting datasets.
import type { Resolvers } from '../../generated/graphql.js';
import { connection } from '../connection.js';
import type { DomainContext } from './domainContext.js';

export function datasetResolvers({ services, guard }: DomainContext): Resolvers {
  const { gallery, auditLog } = services;
  const { prisma, datasets } = services;
  return {
    Query: {
      datasets: async (_, args, context) => {
        guard.read(context);
        return connection(args, await prisma.dataset.count(), (skip, take) => datasets.list({ skip, take }));
      },
      dataset: (_, { id }, context) => (guard.read(context), prisma.dataset.findUnique({ where: { id } })),
    },
    Mutation: auditLog.audited({
      importDataset: (_, { input }, context) => {
        guard.require(context, 'admin');
        return datasets.importDataset({ manifestPath: input.manifestPath, name: input.name ?? undefined });
      },
      deleteDataset: async (_, { id }, context) => {
        guard.require(context, 'admin');
        await datasets.delete(id);
        services.leaderboards?.clear();
        gallery.forget(id);
        return true;
      },
    }),
    Dataset: {
      imageCount: (d) => prisma.image.count({ where: { datasetId: d.id } }),
      itemCount: (d) => prisma.item.count({ where: { datasetId: d.id } }),
      categories: async (d) => {
        const categories = await prisma.tagCategory.findMany({
          where: { datasetId: d.id },
          include: { _count: { select: { tags: true } } },
          orderBy: { name: 'asc' },
        });
        return categories.map((c) => ({ name: c.name, weight: c.weight, tagCount: c._count.tags }));
      },
    },
  };
}
