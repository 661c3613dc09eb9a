// Browser frontends on other origins: CORS for the listed origins (CORREMBED_CORS_ORIGINS) and the same check on WebSocket upgrades.
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

/**
 * CORS on the GraphQL route: a listed origin gets Access-Control-Allow-Origin (never Allow-Credentials: the API's
 * credentials are bearer keys, never cookies) and its preflights are answered; any other origin gets no CORS
 * headers and a refused preflight, so the browser keeps the answer from its script.
 */
export function cors(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    const listed = origin !== undefined && allowed.includes(origin);
    if (listed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
    }
    if (req.method !== 'OPTIONS') return next();
    if (!listed) return void res.status(403).type('text/plain').send(`origin ${origin ?? '(none)'} is not in CORREMBED_CORS_ORIGINS`);
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS.join(', '));
    res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE));
    res.status(204).end();
  };
}
