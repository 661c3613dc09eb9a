// Refuses NUL characters in every string a Prisma query sends: PostgreSQL text cannot hold them, and its refusal would be an internal error.
import { UserInputError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** Where in `value` (a query's arguments) a string holds U+0000, as a dotted path; null when none does. */
export function nulPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'value' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  // Plain objects only: Dates, Buffers and Decimals hold no text.
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [name, inner] of Object.entries(value)) {
      const found = nulPath(inner, path ? `${path}.${name}` : name);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * The client with every model operation checked first: a NUL anywhere (an id, a search string, a manifest's tag)
 * is a BAD_USER_INPUT naming the model and field, before the database sees it. Same API as the client it wraps.
 */
export function refuseNulText(prisma: PrismaClient): PrismaClient {
  return prisma.$extends({
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          const path = nulPath(args);
          if (path !== null) throw new UserInputError(`text cannot contain NUL (\\u0000) characters (${model}.${operation}: ${path})`);
          return query(args);
        },
      },
    },
  }) as unknown as PrismaClient;
}
