// GraphQL errors with codes: user errors pass through, known Prisma errors are translated, the rest is masked.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isUserInputError } from '../errors.js';

const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function unauthenticated(message = 'this operation needs an API key: send Authorization: Bearer <key>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(scope: string): GraphQLError {
  return new GraphQLError(`this API key lacks the "${scope}" scope`, { extensions: { code: 'FORBIDDEN' } });
}

/** Prisma's known request errors that are the caller's fault. */
function translatePrisma(error: unknown): GraphQLError | null {
  const code = (error as { code?: unknown })?.code;
  if (code === 'P2002') return new GraphQLError('that record already exists', { extensions: { code: 'BAD_USER_INPUT' } });
  if (code === 'P2025') return new GraphQLError('record not found', { extensions: { code: 'NOT_FOUND' } });
  if (code === 'P2003') return new GraphQLError('the record is still referenced by others', { extensions: { code: 'BAD_USER_INPUT' } });
  return null;
}

/** Apollo's formatError: keeps public errors, logs and masks everything else. */
export function formatError(log: (line: string) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (isUserInputError(original)) return { message: original.message, path: formatted.path, extensions: { code: original.code } };
    const prisma = translatePrisma(original);
    if (prisma) return { message: prisma.message, path: formatted.path, extensions: prisma.extensions };
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    log(`internal error: ${original instanceof Error ? (original.stack ?? original.message) : String(original)}`);
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
