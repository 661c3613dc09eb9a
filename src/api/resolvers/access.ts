// Resolvers of schema/access.graphql: API keys and the audit log (admin only).
import type { Resolvers } from '../../generated/graphql.js';
import { AUDIT_OK } from '../auditLog.js';
import { connection } from '../connection.js';
import type { DomainContext } from './domainContext.js';

export function accessResolvers({ services, guard }: DomainContext): Resolvers {
  const { apiKeys, auditLog } = services;
  const { prisma } = services;
  return {
    Query: {
      apiKeys: async (_, args, context) => {
        guard.require(context, 'admin');
        return connection(args, await prisma.apiKey.count(), (skip, take) => apiKeys.list({ skip, take }));
      },
      auditLog: async (_, { keyId, ...args }, context) => {
        guard.require(context, 'admin');
        return connection(args, await auditLog.count(keyId), (skip, take) => auditLog.list(keyId, { skip, take }));
      },
    },
    Mutation: auditLog.audited({
      createApiKey: (_, input, context) => (guard.require(context, 'admin'), apiKeys.create(input)),
      revokeApiKey: (_, { id }, context) => (guard.require(context, 'admin'), apiKeys.revoke(id)),
    }),
    AuditLogEntry: {
      outcome: (e) => (e.outcome === AUDIT_OK ? 'OK' : 'ERROR'),
      errorCode: (e) => (e.outcome === AUDIT_OK ? null : e.outcome),
    },
  };
}
