// node(id:): any object with an id, found by looking the id up in each table (ids are cuids, unique across tables).
import type { Resolvers, ResolversInterfaceTypes } from '../../generated/graphql.js';
import { hasScope } from '../apiKeys.js';
import type { DomainContext } from './domainContext.js';

type NodeRow = ResolversInterfaceTypes<Resolvers>['Node'];
/** The types implementing Node (the compiler checks them against the schema's). */
type NodeTypename = 'Dataset' | 'Model' | 'Run' | 'Evaluation' | 'Image' | 'ApiKey' | 'AuditLogEntry';
type Tagged = NodeRow & { __typename: NodeTypename };

export function nodeResolvers({ services, guard }: DomainContext): Resolvers {
  const { gallery } = services;
  const { prisma } = services;
  const tag =
    (typename: NodeTypename) =>
    (row: NodeRow | null | undefined): Tagged | null =>
      row ? Object.assign(row, { __typename: typename }) : null;
  return {
    Query: {
      node: async (_, { id }, context) => {
        guard.read(context);
        const found = (
          await Promise.all([
            prisma.dataset.findUnique({ where: { id } }).then(tag('Dataset')),
            prisma.model.findUnique({ where: { id } }).then(tag('Model')),
            prisma.run.findUnique({ where: { id } }).then(tag('Run')),
            prisma.evaluation.findUnique({ where: { id }, omit: { perQuery: true } }).then(tag('Evaluation')),
            gallery.imagesById([id]).then((images) => tag('Image')(images[0])),
          ])
        ).find((row) => row !== null);
        if (found) return found;
        // API keys and the audit log are for admins only: looked up only for them.
        const admin = context.credentials.kind === 'key' && hasScope(context.credentials.caller, 'admin');
        if (!admin) return null;
        const [key, entry] = await Promise.all([
          prisma.apiKey.findUnique({ where: { id } }),
          prisma.auditLogEntry.findUnique({ where: { id } }),
        ]);
        return tag('ApiKey')(key) ?? tag('AuditLogEntry')(entry);
      },
    },
    Node: {
      __resolveType: (row) => (row as Tagged).__typename,
    },
  };
}
