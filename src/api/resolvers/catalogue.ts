// Resolvers of schema/catalogue.graphql: the importCatalogue mutation, its files confined to the data roots, the report shaped for the schema.
import { resolve } from 'node:path';
import type { Resolvers } from '../../generated/graphql.js';
import { confineManifestPath } from '../../catalog/manifestRoots.js';
import { UserInputError } from '../../errors.js';
import { importCatalogue, type CatalogueImportResult } from '../../importers/catalogue/catalogueImport.js';
import { isS3Uri } from '../../storage/s3Uri.js';
import type { DomainContext } from './domainContext.js';

async function confined(path: string, roots: readonly string[], what: string): Promise<string> {
  if (isS3Uri(path)) throw new UserInputError(`${what} ${path}: read from a local file (its images may be s3:// objects)`);
  return confineManifestPath(resolve(path), roots, what);
}

const orNull = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
const weightList = (weights: Record<string, number>) => Object.entries(weights).map(([category, weight]) => ({ category, weight }));

function shape(result: CatalogueImportResult) {
  const { report } = result;
  return {
    status: result.status,
    dataset: result.dataset,
    report: {
      ...report,
      mapping: { ...report.mapping, rename: Object.entries(report.mapping.rename).map(([column, category]) => ({ column, category })) },
      weights: report.weights && {
        ...report.weights,
        categories: weightList(report.weights.categoryWeights).map((w) => ({
          ...w,
          distinctTags: report.weights!.distinctTags[w.category]!,
        })),
      },
      dataset: { ...report.dataset, categoryWeights: weightList(report.dataset.categoryWeights) },
    },
  };
}

export function catalogueResolvers({ services, guard }: DomainContext): Resolvers {
  const { auditLog } = services;
  const dataRoots = services.datasets.manifestRoots;
  return {
    Mutation: auditLog.audited({
      importCatalogue: async (_, { input }, context) => {
        guard.require(context, 'admin');
        for (const [field, value] of [
          ['checkImages', input.checkImages],
          ['minOrders', input.minOrders],
        ] as const) {
          if (value !== null && value !== undefined && value < 0) throw new UserInputError(`${field} must not be negative (got ${value})`);
        }
        const catalogue = await confined(input.path, dataRoots, 'catalogue');
        const orders = input.ordersPath ? await confined(input.ordersPath, dataRoots, 'orders') : undefined;
        const mapping = input.mapping ?? {};
        const result = await importCatalogue(services.prisma, {
          catalogue,
          format: orNull(input.format),
          mapping: {
            id: orNull(mapping.id),
            images: orNull(mapping.images),
            imageDelimiter: orNull(mapping.imageDelimiter),
            tags: orNull(mapping.tags),
            tagDelimiter: orNull(mapping.tagDelimiter),
            rename: mapping.rename ? Object.fromEntries(mapping.rename.map((r) => [r.column, r.category])) : undefined,
            drop: orNull(mapping.drop),
          },
          name: orNull(input.name),
          orders,
          ordersFormat: orNull(input.ordersFormat),
          minOrders: orNull(input.minOrders),
          ignoreUnknownItems: input.ignoreUnknownItems === true,
          checkImages: input.checkImages ?? 'all',
          skipInvalid: input.skipInvalid === true,
          dryRun: input.dryRun === true,
          s3Roots: dataRoots,
        });
        return shape(result);
      },
    }),
  };
}
