// Resolvers of schema/access.graphql: API keys and the audit log (admin only).
import type { Resolvers } from '../../generated/graphql.js';
import type { DomainContext } from './domainContext.js';

/** Most audit log entries one query returns. */
const MAX_AUDIT_ENTRIES = 1000;

export function accessResolvers({ apiKeys, auditLog, guard }: DomainContext): Resolvers {
  return {
    Query: {
      apiKeys: (_, __, context) => (guard.require(context, 'admin'), apiKeys.list()),
      auditLog: (_, { limit, keyId }, context) => {
        guard.require(context, 'admin');
        return auditLog.list(Math.min(Math.max(limit ?? 100, 1), MAX_AUDIT_ENTRIES), keyId);
      },
    },
    Mutation: auditLog.audited({
      createApiKey: (_, input, context) => (guard.require(context, 'admin'), apiKeys.create(input)),
      revokeApiKey: (_, { id }, context) => (guard.require(context, 'admin'), apiKeys.revoke(id)),
    }),
  };
}
