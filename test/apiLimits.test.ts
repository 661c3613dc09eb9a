// Rate limits and GraphQL hardening over real HTTP and WebSocket on real PostgreSQL, with production-like settings.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { clientIp } from '../src/api/clientIp.js';
import { RateLimiter } from '../src/api/rateLimiter.js';
import { ADMIN_KEY, post, request, startTestPlatform, WsSession, type RawResponse, type TestPlatform } from './support/securePlatform.js';

let t: TestPlatform;

const LIMITS = {
  introspection: false,
  hideSuggestions: true,
  maxDocumentChars: 5000,
  maxTokens: 500,
  maxDepth: 5,
  maxAliases: 3,
  maxDirectives: 3,
  maxCost: 100,
  maxBodyBytes: 64 * 1024,
  anonymousRateLimitPerMinute: 60,
  trustedProxyHops: 1,
};

const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

/** Sends `query` until it is refused (at most `max` times); the refusal and how many got through. */
async function untilRefused(
  query: string,
  max: number,
  key?: string,
  headers: Record<string, string> = {},
): Promise<{ admitted: number; refusal: RawResponse<unknown> }> {
  for (let admitted = 0; admitted < max; admitted++) {
    const response = await request(t.url, query, {}, key, headers);
    if (response.body.errors) return { admitted, refusal: response };
  }
  assert.fail(`not refused after ${max} requests`);
}

before(async () => {
  t = await startTestPlatform(LIMITS);
});

after(async () => {
  await t?.close();
});

test("a key's rate limit trips with RATE_LIMITED, HTTP 429 and Retry-After, on WebSocket too, and recovers; other callers are unaffected", async () => {
  const created = await request<{ createApiKey: { key: string } }>(
    t.url,
    'mutation { createApiKey(name: "slow", scopes: [READ], rateLimitPerMinute: 12) { key } }',
    {},
    ADMIN_KEY,
  );
  const key = created.body.data!.createApiKey.key;
  const { admitted, refusal } = await untilRefused('{ datasets { totalCount } }', 50, key);
  // The bucket holds a minute of operations (one more if the machine is so slow that a token came back meanwhile).
  assert.ok(admitted === 12 || admitted === 13, `admitted ${admitted}`);
  assert.equal(refusal.status, 429);
  assert.equal(code(refusal.body), 'RATE_LIMITED');
  const retryAfter = (refusal.body.errors![0].extensions as { retryAfterSeconds: number }).retryAfterSeconds;
  assert.ok(retryAfter >= 1 && retryAfter <= 5, `retry after ${retryAfter} s (one operation every 5 s)`);
  assert.equal(refusal.headers.get('retry-after'), String(retryAfter));
  assert.match(refusal.body.errors![0].message, /rate limit exceeded: retry after \d+ s/);
  const ws = new WsSession(t.wsUrl, key);
  try {
    assert.equal(code((await ws.run('{ datasets { totalCount } }')).at(-1)!), 'RATE_LIMITED');
  } finally {
    await ws.close();
  }
  assert.equal((await request(t.url, '{ datasets { totalCount } }', {}, ADMIN_KEY)).status, 200, 'the admin key has its own bucket');
  await sleep(retryAfter * 1000 + 100);
  const recovered = await request(t.url, '{ datasets { totalCount } }', {}, key);
  assert.equal(recovered.status, 200);
  assert.equal(recovered.body.errors, undefined);
});

test('callers without a key are limited per client IP', async () => {
  const first = { 'x-forwarded-for': '192.0.2.1' };
  const { admitted, refusal } = await untilRefused('{ __typename }', 200, undefined, first);
  assert.ok(admitted >= 60 && admitted < 70, `admitted ${admitted} (60, and one a second since the first)`);
  assert.equal(refusal.status, 429);
  assert.equal(code(refusal.body), 'RATE_LIMITED');
  // An unknown key spends its IP's bucket too, so keys cannot be guessed at a key's rate.
  assert.equal(code((await request(t.url, '{ __typename }', {}, 'ce_guess', first)).body), 'RATE_LIMITED');
  assert.equal((await request(t.url, '{ __typename }', {}, undefined, { 'x-forwarded-for': '192.0.2.2' })).status, 200);
  assert.equal((await request(t.url, '{ __typename }', {}, ADMIN_KEY, first)).status, 200, 'a valid key from that IP has its own bucket');
});

const deep = '{ accuracyFit(datasetId: "x") { categories { models { model { metadata { family } } } } } }';
const aliases = '{ a: datasets { totalCount } b: datasets { totalCount } c: datasets { totalCount } d: datasets { totalCount } }';
const directives =
  '{ dataset(id: "x") { id @skip(if: false) name @skip(if: false) imageCount @skip(if: false) itemCount @skip(if: false) } }';
const costly =
  '{ runs { edges { node { id status error createdAt startedAt finishedAt progress { done total } dataset { id name imageCount itemCount createdAt } evaluations { id status score queriesUsed queriesDropped error startedAt finishedAt ci95 { low high } perCategory { category score } } } } } }';
const manyTokens = `{ dataset(id: "x") { ${'id '.repeat(600)}} }`;
const huge = `{ datasets { totalCount } } # ${'x'.repeat(6000)}`;

test('deep, aliased, directive-laden, costly, token-heavy and huge documents are refused over HTTP and WebSocket', async () => {
  const cases: [string, string, number, RegExp][] = [
    [deep, 'GRAPHQL_VALIDATION_FAILED', 400, /depth/i],
    [aliases, 'GRAPHQL_VALIDATION_FAILED', 400, /aliases/i],
    [directives, 'GRAPHQL_VALIDATION_FAILED', 400, /directives/i],
    [costly, 'GRAPHQL_VALIDATION_FAILED', 400, /cost/i],
    [manyTokens, 'GRAPHQL_PARSE_FAILED', 400, /more tha[nt] 500 tokens/],
    [huge, 'DOCUMENT_TOO_LARGE', 413, /exceeds 5000 characters/],
  ];
  const ws = new WsSession(t.wsUrl, ADMIN_KEY);
  try {
    for (const [query, expected, status, message] of cases) {
      const http = await request(t.url, query, {}, ADMIN_KEY);
      assert.equal(http.status, status, query.slice(0, 60));
      assert.equal(code(http.body), expected, JSON.stringify(http.body).slice(0, 300));
      assert.match(http.body.errors![0].message, message);
      const overWs = (await ws.run(query)).at(-1)!;
      assert.equal(code(overWs), expected, JSON.stringify(overWs).slice(0, 300));
      assert.match(overWs.errors![0].message, message);
    }
    // Within the limits the same shapes pass.
    assert.equal((await request(t.url, '{ a: datasets { totalCount } b: datasets { totalCount } }', {}, ADMIN_KEY)).body.errors, undefined);
    assert.equal((await ws.run('{ runs { edges { node { id dataset { name } } } } }')).at(-1)?.errors, undefined);
  } finally {
    await ws.close();
  }
});

test('oversized and malformed bodies get a JSON error: 413 over HTTP, the socket closed over WebSocket', async () => {
  const big = await post(t.url, JSON.stringify({ query: '{ datasets { totalCount } }', variables: { pad: 'x'.repeat(70 * 1024) } }), {
    authorization: `Bearer ${ADMIN_KEY}`,
  });
  assert.equal(big.status, 413);
  assert.equal(code(big.body), 'PAYLOAD_TOO_LARGE');
  assert.match(big.body.errors![0].message, /exceeds 65536 bytes/);
  const malformed = await post(t.url, '{"query": ', { authorization: `Bearer ${ADMIN_KEY}` });
  assert.equal(malformed.status, 400);
  assert.equal(code(malformed.body), 'BAD_REQUEST');
  const ws = new WsSession(t.wsUrl, ADMIN_KEY);
  try {
    await assert.rejects(
      ws.run('{ datasets { totalCount } }', { pad: 'x'.repeat(70 * 1024) }),
      (error: { code?: number }) => error.code === 1009,
    );
  } finally {
    await ws.close();
  }
});

test('production mode: no introspection and no field suggestions, over HTTP and WebSocket', async () => {
  const ws = new WsSession(t.wsUrl);
  try {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { name } }']) {
      const http = await request(t.url, query);
      assert.equal(code(http.body), 'GRAPHQL_VALIDATION_FAILED');
      assert.match(http.body.errors![0].message, /introspection/i);
      assert.equal(code((await ws.run(query)).at(-1)!), 'GRAPHQL_VALIDATION_FAILED');
    }
    assert.deepEqual((await request(t.url, '{ __typename }')).body.data, { __typename: 'Query' });
    for (const query of ['{ datasets { nam } }', '{ dataset { id } }', '{ runs(status: queue) { id } }']) {
      const http = await request(t.url, query);
      assert.ok(http.body.errors?.length, query);
      assert.doesNotMatch(JSON.stringify(http.body), /Did you mean/, query);
      assert.doesNotMatch(JSON.stringify((await ws.run(query)).at(-1)), /Did you mean/, query);
    }
  } finally {
    await ws.close();
  }
});

test('an internal error reaches the client masked, over HTTP and WebSocket, and the log in full', async () => {
  const prisma = t.platform.db.prisma;
  await prisma.$executeRawUnsafe('ALTER TABLE "Model" RENAME TO "Model_hidden"');
  const ws = new WsSession(t.wsUrl);
  try {
    const http = await request(t.url, '{ models { totalCount } }');
    const overWs = (await ws.run('{ models { totalCount } }')).at(-1)!;
    for (const body of [http.body, overWs]) {
      assert.deepEqual(
        body.errors?.map((e) => [e.message, e.extensions?.code]),
        [['Internal server error', 'INTERNAL_SERVER_ERROR']],
      );
      assert.doesNotMatch(JSON.stringify(body), /Model_hidden|"Model"|relation|exist|\.js:\d+|stack/i);
    }
  } finally {
    await ws.close();
    await prisma.$executeRawUnsafe('ALTER TABLE "Model_hidden" RENAME TO "Model"');
  }
  assert.ok(t.logged.filter((line) => line.startsWith('internal error:') && /Model/.test(line)).length >= 2, t.logged.join('\n'));
});

test('token buckets: a burst of a minute, refilled evenly, retry-after until the next token, the state for the headers; 0 is unlimited', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  // The state is what the RateLimit-* headers say: tokens left, and seconds until the bucket is full (20 s a token).
  const state = (remaining: number, resetSeconds: number) => ({ limit: 3, remaining, resetSeconds });
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('k', 3), { ok: true, state: state(2 - i, 20 * (i + 1)) });
  assert.deepEqual(limiter.take('k', 3), { ok: false, retryAfterSeconds: 20, state: state(0, 60) });
  now = 15_000;
  assert.deepEqual(limiter.take('k', 3), { ok: false, retryAfterSeconds: 5, state: state(0, 45) });
  now = 20_000;
  assert.deepEqual(limiter.take('k', 3), { ok: true, state: state(0, 60) });
  assert.deepEqual(limiter.take('other', 3), { ok: true, state: state(2, 20) });
  for (let i = 0; i < 1000; i++) assert.deepEqual(limiter.take('free', 0), { ok: true, state: null });
});

test('client IP: the peer, or the X-Forwarded-For entry the trusted proxies vouch for; earlier entries are claims', () => {
  assert.equal(clientIp('::ffff:10.0.0.5', '1.2.3.4', 0), '10.0.0.5');
  assert.equal(clientIp('10.0.0.5', 'spoofed, 198.51.100.7', 1), '198.51.100.7');
  assert.equal(clientIp('10.0.0.5', ['spoofed, 198.51.100.7', '10.0.0.4'], 2), '198.51.100.7');
  assert.equal(clientIp('10.0.0.5', undefined, 1), '10.0.0.5');
});
