// Browser frontends on other origins: CORS for the listed origins (CORREMBED_CORS_ORIGINS) on every transport, and the
// same check on WebSocket upgrades.
import type { RequestHandler } from 'express';

/** Request headers a GraphQL client may send: bearer keys, JSON bodies, Apollo's CSRF and client-awareness headers. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
];

/** Response headers a cross-origin script may read. */
const EXPOSED_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'];

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * True for a request from a listed origin, from the server's own origin (`host` is the request's Host header) or
 * without an Origin header at all (a non-browser client).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface CorsAnswer {
  /** To add to the response. */
  headers: Record<string, string>;
  /** For a preflight (OPTIONS): the whole answer's status (204 for a listed origin, 403 otherwise); null otherwise. */
  preflightStatus: number | null;
}

/**
 * A listed origin gets Access-Control-Allow-Origin (never Allow-Credentials: the API's credentials are bearer keys,
 * never cookies) and its preflights are answered; any other origin gets no CORS headers and a refused preflight, so
 * the browser keeps the answer from its script.
 */
export function corsAnswer(origin: string | undefined, method: string, allowed: readonly string[]): CorsAnswer {
  const listed = origin !== undefined && allowed.includes(origin);
  const headers: Record<string, string> = { vary: 'Origin' };
  if (listed) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = EXPOSED_HEADERS.join(', ');
  }
  if (method !== 'OPTIONS') return { headers, preflightStatus: null };
  if (!listed) return { headers, preflightStatus: 403 };
  headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
  headers['access-control-allow-headers'] = ALLOWED_HEADERS.join(', ');
  headers['access-control-max-age'] = String(PREFLIGHT_MAX_AGE);
  return { headers, preflightStatus: 204 };
}

/** corsAnswer on the HTTP server's GraphQL route. */
export function cors(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const answer = corsAnswer(req.headers.origin, req.method, allowed);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (name === 'vary') res.vary(value);
      else res.setHeader(name, value);
    }
    if (answer.preflightStatus === null) return next();
    res.status(answer.preflightStatus).end();
  };
}
