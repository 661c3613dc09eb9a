// The API's resolvers, one module per domain of schema/ (each beside its SDL file), typed by GraphQL Code Generator.
import type { Resolvers } from '../../generated/graphql.js';
import type { Run } from '../../generated/prisma/client.js';
import { UserInputError } from '../../errors.js';
import type { ApiServices } from '../apiServices.js';
import { accessResolvers } from './access.js';
import { analysisResolvers } from './analysis.js';
import { catalogueResolvers } from './catalogue.js';
import { datasetResolvers } from './datasets.js';
import type { DomainContext } from './domainContext.js';
import { enumResolvers } from './enums.js';
import { galleryResolvers } from './gallery.js';
import { modelResolvers } from './models.js';
import { nodeResolvers } from './nodes.js';
import { runResolvers } from './runs.js';
import { scalarResolvers } from './scalars.js';
import { ScopeGuard } from './scopeGuard.js';

/** Every domain's resolvers, for makeExecutableSchema to merge. */
export function createResolvers(services: ApiServices): Resolvers[] {
  const { prisma } = services;
  // A run event wakes every subscriber of the run in one turn of the event loop: their lookups share one query,
  // started after all of them asked (so none gets a row read before it subscribed).
  const waiting = new Map<string, Promise<Run | null>>();
  const runById = async (id: string): Promise<Run> => {
    let lookup = waiting.get(id);
    if (!lookup) {
      lookup = new Promise((resolve) => setImmediate(resolve)).then(() => {
        waiting.delete(id);
        return prisma.run.findUnique({ where: { id } });
      });
      waiting.set(id, lookup);
    }
    const run = await lookup;
    if (!run) throw new UserInputError(`run "${id}" not found`, 'NOT_FOUND');
    return run;
  };
  const domain: DomainContext = {
    services,
    guard: new ScopeGuard(services.publicQueries),
    runById,
  };
  const domains = [
    nodeResolvers,
    datasetResolvers,
    catalogueResolvers,
    modelResolvers,
    runResolvers,
    analysisResolvers,
    galleryResolvers,
    accessResolvers,
  ];
  return [scalarResolvers, enumResolvers, ...domains.map((resolvers) => resolvers(domain))];
}
