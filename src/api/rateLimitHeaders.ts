// RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (the IETF httpapi draft's names) on every API response.
import type { ApolloServerPlugin } from '@apollo/server';
import type { RateLimitState } from './rateLimiter.js';
import type { ApiContext } from './requestGate.js';

/** The headers for a caller's bucket; none for an unlimited caller. */
export function rateLimitHeaders(state: RateLimitState | null): [string, string][] {
  if (!state) return [];
  return [
    ['ratelimit-limit', String(state.limit)],
    ['ratelimit-remaining', String(state.remaining)],
    ['ratelimit-reset', String(state.resetSeconds)],
  ];
}

/** Adds the operation's rate-limit headers to Apollo's response (a refused operation's error carries its own). */
export const rateLimitHeadersPlugin: ApolloServerPlugin<ApiContext> = {
  requestDidStart: async () => ({
    willSendResponse: async ({ contextValue, response }) => {
      for (const [name, value] of rateLimitHeaders(contextValue.rateLimit)) response.http.headers.set(name, value);
    },
  }),
};
