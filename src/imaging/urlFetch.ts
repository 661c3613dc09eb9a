// Fetches an http(s) URL within size and time limits, connecting only to addresses the policy allows, redirects re-checked hop by hop.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { UserInputError } from '../errors.js';
import { hostAllowed, isNonPublicAddress, type UrlPolicy } from './addressPolicy.js';

export interface UrlFetchLimits {
  maxBytes: number;
  /** For the whole chain of redirects, connection to last byte. */
  timeoutMs: number;
  policy: UrlPolicy;
}

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A connection refused by the policy; turned into a UserInputError naming the URL. */
class AddressRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} is ${address}, not a public address`);
  }
}

/**
 * dns.lookup that fails when any address of the name is not public: the socket connects to the address checked here,
 * so a name cannot resolve to a public address for the check and a private one for the connection (DNS rebinding).
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => isNonPublicAddress(a.address));
    if (refused) return callback(new AddressRefused(hostname, refused.address) as NodeJS.ErrnoException, '', 0);
    if ((options as LookupOptions).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};

function request(url: URL, policy: UrlPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  const allowed = hostAllowed(url, policy);
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An IP literal (also written as 2130706433, 0177.0.0.1 or [::ffff:127.0.0.1]: URL normalises them) is never looked up.
  if (!allowed && isIP(literal) !== 0 && isNonPublicAddress(literal)) return Promise.reject(new AddressRefused(url.hostname, literal));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      agent: false,
      signal,
      headers: { accept: 'image/*', 'user-agent': 'corrembed' },
      ...(allowed ? {} : { lookup: publicOnlyLookup }),
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

/** The next URL of a redirect: http(s) only, never from https down to http. */
function redirectTarget(from: URL, location: string, fail: (message: string) => never): URL {
  if (!URL.canParse(location, from)) fail(`malformed redirect to ${location}`);
  const next = new URL(location, from);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') fail(`redirect to ${next.protocol} refused`);
  if (from.protocol === 'https:' && next.protocol === 'http:') fail(`redirect from https to http refused (${next.href})`);
  return next;
}

async function readBody(response: IncomingMessage, maxBytes: number, tooLarge: () => never): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The body of an http(s) URL, following up to MAX_REDIRECTS redirects, each hop checked against the policy.
 * `label` starts every error (a UserInputError; an HTTP 404 is NOT_FOUND).
 */
export async function fetchUrl(uri: string, label: string, limits: UrlFetchLimits): Promise<Buffer> {
  const fail = (message: string, code?: 'NOT_FOUND'): never => {
    throw new UserInputError(`${label}: ${message}`, code);
  };
  if (!URL.canParse(uri)) fail('malformed URL');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  let url = new URL(uri);
  try {
    for (let hop = 0; ; hop++) {
      const response = await request(url, limits.policy, controller.signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status) && response.headers.location !== undefined) {
        response.resume();
        if (hop === MAX_REDIRECTS) fail(`more than ${MAX_REDIRECTS} redirects`);
        url = redirectTarget(url, response.headers.location, fail);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        fail(`HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd(), status === 404 ? 'NOT_FOUND' : undefined);
      }
      return await readBody(response, limits.maxBytes, () => fail(`larger than the limit of ${limits.maxBytes} bytes`));
    }
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    if (error instanceof AddressRefused) {
      return fail(`refused to connect: ${error.message} (CORREMBED_ALLOW_PRIVATE_URLS or CORREMBED_URL_ALLOW_HOSTS allow it)`);
    }
    if (controller.signal.aborted) return fail(`no complete answer within ${limits.timeoutMs} ms`);
    const { code, message } = error as NodeJS.ErrnoException;
    return fail(`cannot fetch (${code ?? message.split('\n')[0]})`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
