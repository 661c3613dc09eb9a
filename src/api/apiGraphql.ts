// The GraphQL API as every transport serves it (HTTP server, WebSocket, Lambda): schema, request gate, protections, Apollo's options.
import { readdirSync, readFileSync } from 'node:fs';
import type { ApolloServerOptionsWithSchema } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  NoSchemaIntrospectionCustomRule,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { ApiSecurityConfig } from '../config.js';
import { formatError } from './apiErrors.js';
import { callerRedactionPlugin } from './callerRedaction.js';
import { operationAccessPlugin } from './operationAccess.js';
import { rateLimitHeadersPlugin } from './rateLimitHeaders.js';
import { RequestGate, type ApiContext } from './requestGate.js';
import type { ApiServices } from './apiServices.js';
import { createResolvers } from './resolvers/index.js';

/** schema/: one SDL file per domain, extending the root types of root.graphql. */
const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);

const typeDefs = (): string[] =>
  readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));

export interface ApiGraphql {
  schema: GraphQLSchema;
  gate: RequestGate;
  /** Whether queries are answered without a key. */
  publicQueries: boolean;
  /** Beyond GraphQL's own: depth, cost, aliases, directives (graphql-armor) and, when off, introspection. */
  validationRules: ValidationRule[];
  /** The token limit: the parser stops at it. */
  parseOptions: ParseOptions;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Apollo's options (transports add their own plugins). */
  apollo: ApolloServerOptionsWithSchema<ApiContext>;
}

export function createApiGraphql(services: ApiServices, limits: ApiSecurityConfig, log: (line: string) => void): ApiGraphql {
  const schema = makeExecutableSchema({ typeDefs: typeDefs(), resolvers: createResolvers(services) });
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    // Every alias counts, __typename's too (armor allows those by default: 600 of them made a 2 MB answer).
    maxAliases: { n: limits.maxAliases, allowList: [] },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost },
    // graphql's own parser limit instead: armor's Apollo plugin throws outside Apollo's error handling (a 500), and the
    // WebSocket path parses without Apollo.
    maxTokens: { enabled: false },
    // formatError hides suggestions instead, on every transport (the WebSocket path runs no Apollo plugins).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  const validationRules = [...armor.validationRules, ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const parseOptions = { maxTokens: limits.maxTokens };
  const format = formatError({ log, hideSuggestions: limits.hideSuggestions });
  return {
    schema,
    gate: new RequestGate(services.prisma, limits),
    publicQueries: services.publicQueries,
    validationRules,
    parseOptions,
    formatError: format,
    apollo: {
      schema,
      validationRules,
      parseOptions,
      // Refused by validationRules when off (the same rule on the WebSocket path).
      introspection: true,
      formatError: format,
      includeStacktraceInErrorResponses: false,
      allowBatchedHttpRequests: false,
      // Apollo's CSRF prevention refuses GET queries without a preflight header, urql's default. It guards ambient
      // credentials (cookies), which this API never reads: a caller is whoever its bearer key says, a header a
      // cross-origin page cannot set without a preflight that cors() refuses. Mutations are never run over GET.
      csrfPrevention: false,
      plugins: [operationAccessPlugin(services.publicQueries), callerRedactionPlugin, rateLimitHeadersPlugin],
    },
  };
}
