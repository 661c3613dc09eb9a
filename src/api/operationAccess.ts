// Refuses a whole operation, introspection and __typename included, to a caller who may not read: no key while public queries are off, or a bad key.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Credentials } from './apiKeys.js';
import type { ApiContext } from './requestGate.js';

/**
 * Why `operation` is refused before execution, or null. Queries and subscriptions need what reads need (a valid key,
 * or none while queries are public); a mutation with a real field runs, so that its resolver refuses it and the
 * audit log records the attempt, but one asking only for introspection fields is refused here like a query.
 */
export function operationRefusal(
  operation: OperationDefinitionNode | null | undefined,
  credentials: Credentials,
  publicQueries: boolean,
): GraphQLError | null {
  if (!operation || credentials.kind === 'key') return null;
  if (credentials.kind === 'anonymous' && publicQueries) return null;
  const onlyIntrospection = operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
  if (operation.operation === 'mutation' && !onlyIntrospection) return null;
  const message =
    credentials.kind === 'rejected'
      ? 'this API key is unknown or revoked, or has expired'
      : 'this operation needs an API key: send Authorization: Bearer <key>';
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Apollo's side of it (HTTP and the api function); the WebSocket path calls operationRefusal itself. */
export function operationAccessPlugin(publicQueries: boolean): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const refusal = operationRefusal(operation, contextValue.credentials, publicQueries);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
