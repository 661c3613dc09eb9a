// GraphQL errors with codes: user errors pass through, known Prisma errors are translated, the rest is masked.
import { HeaderMap } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isUserInputError } from '../errors.js';
import { rateLimitHeaders } from './rateLimitHeaders.js';
import type { RateLimitState } from './rateLimiter.js';

const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'DOCUMENT_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * An error that refuses a request as a whole, before execution: `extensions.http` sets its HTTP status and headers
 * (Apollo reads and removes it). Errors from resolvers keep status 200, as GraphQL over HTTP has it.
 */
function httpError(
  message: string,
  code: string,
  status: number,
  extensions: Record<string, unknown> = {},
  headers: [string, string][] = [],
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status, headers: new HeaderMap(headers) } } });
}

export function unauthenticated(message = 'this operation needs an API key: send Authorization: Bearer <key>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(scope: string): GraphQLError {
  return new GraphQLError(`this API key lacks the "${scope}" scope`, { extensions: { code: 'FORBIDDEN' } });
}

export function rateLimited(retryAfterSeconds: number, state: RateLimitState | null = null): GraphQLError {
  const headers: [string, string][] = [['retry-after', String(retryAfterSeconds)], ...rateLimitHeaders(state)];
  return httpError(`rate limit exceeded: retry after ${retryAfterSeconds} s`, 'RATE_LIMITED', 429, { retryAfterSeconds }, headers);
}

export function documentTooLarge(maxChars: number): GraphQLError {
  return httpError(`the GraphQL document exceeds ${maxChars} characters`, 'DOCUMENT_TOO_LARGE', 413);
}

export function payloadTooLarge(maxBytes: number): GraphQLError {
  return httpError(`the request body exceeds ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE', 413);
}

/** Prisma's known request errors that are the caller's fault. */
function translatePrisma(error: unknown): GraphQLError | null {
  const code = (error as { code?: unknown })?.code;
  if (code === 'P2002') return new GraphQLError('that record already exists', { extensions: { code: 'BAD_USER_INPUT' } });
  if (code === 'P2025') return new GraphQLError('record not found', { extensions: { code: 'NOT_FOUND' } });
  if (code === 'P2003') return new GraphQLError('the record is still referenced by others', { extensions: { code: 'BAD_USER_INPUT' } });
  return null;
}

/** The code a caller sees for an error (INTERNAL_SERVER_ERROR for anything not meant for them). */
export function errorCode(error: unknown): string {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  if (isUserInputError(original)) return original.code;
  const prisma = translatePrisma(original);
  if (prisma) return prisma.extensions.code as string;
  const extensions = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } })?.extensions;
  const code = extensions?.code;
  if (typeof code === 'string') return PUBLIC_CODES.has(code) ? code : 'INTERNAL_SERVER_ERROR';
  // Apollo's own refusals of a request that carry an HTTP 4xx status but no code (a persisted query whose hash does
  // not match its text) are the caller's.
  const status = extensions?.http?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
}

export interface FormatErrorOptions {
  log: (line: string) => void;
  /** Removes "Did you mean ...?" from messages, so that unknown field names reveal nothing of the schema (production). */
  hideSuggestions: boolean;
}

const SUGGESTION = /\s*Did you mean [^?]+\?/g;

/** Apollo's formatError (the WebSocket path uses it too): keeps public errors, logs and masks everything else. */
export function formatError({ log, hideSuggestions }: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (isUserInputError(original)) return { message: original.message, path: formatted.path, extensions: { code: original.code } };
    const prisma = translatePrisma(original);
    if (prisma) return { message: prisma.message, path: formatted.path, extensions: prisma.extensions };
    const code = errorCode(error);
    if (code !== 'INTERNAL_SERVER_ERROR') {
      const message = hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
      const retryAfterSeconds = formatted.extensions?.retryAfterSeconds;
      return {
        message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
      };
    }
    log(`internal error: ${original instanceof Error ? (original.stack ?? original.message) : String(original)}`);
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** A JSON GraphQL response body for a request refused before GraphQL saw it. */
export function errorBody(error: GraphQLError): string {
  return JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
}
