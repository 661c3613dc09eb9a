// A browser frontend on another origin: CORS preflights and headers, the WebSocket Origin check, GET queries without a
// CSRF header (urql's default), no way for a cross-origin simple request to run a mutation, and rate-limit headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { ADMIN_KEY, startTestPlatform, type TestPlatform } from './support/securePlatform.js';

const FRONTEND = 'http://localhost:5173';
const STRANGER = 'http://evil.example';
let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ corsOrigins: [FRONTEND], anonymousRateLimitPerMinute: 50, rateLimitPerMinute: 40 });
});

after(() => platform?.close());

const preflight = (origin: string, headers: string) =>
  fetch(platform.url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });

const keyCount = async () => await platform.platform.db.prisma.apiKey.count();

test('a listed origin passes the preflight with the headers GraphQL clients send; another origin gets no CORS headers', async () => {
  const listed = await preflight(FRONTEND, 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name');
  assert.equal(listed.status, 204);
  assert.equal(listed.headers.get('access-control-allow-origin'), FRONTEND);
  assert.equal(listed.headers.get('access-control-allow-credentials'), null);
  const allowed = listed.headers.get('access-control-allow-headers')!.split(', ');
  for (const header of ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name'])
    assert.ok(allowed.includes(header), header);
  assert.match(listed.headers.get('access-control-allow-methods')!, /POST/);

  const stranger = await preflight(STRANGER, 'authorization, content-type');
  assert.equal(stranger.status, 403);
  assert.equal(stranger.headers.get('access-control-allow-origin'), null);

  const answer = await fetch(platform.url, {
    method: 'POST',
    headers: { origin: STRANGER, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ datasets { id } }' }),
  });
  assert.equal(answer.headers.get('access-control-allow-origin'), null);
  const fromFrontend = await fetch(platform.url, {
    method: 'POST',
    headers: { origin: FRONTEND, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ datasets { id } }' }),
  });
  assert.equal(fromFrontend.headers.get('access-control-allow-origin'), FRONTEND);
  assert.match(fromFrontend.headers.get('access-control-expose-headers')!, /ratelimit-remaining/);
  // Caches must not hand one origin's answer to another.
  assert.match(fromFrontend.headers.get('vary') ?? '', /origin/i);
});

test("a GET query without a preflight header (urql's default) is answered", async () => {
  const url = new URL(platform.url);
  url.searchParams.set('query', '{ datasets { totalCount } }');
  const answer = await fetch(url, { headers: { origin: FRONTEND } });
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { data: { datasets: { totalCount: 0 } } });
});

test('no cross-origin simple request runs a mutation, even with a key', async () => {
  const before = await keyCount();
  const mutation = 'mutation { createApiKey(name: "csrf", scopes: [ADMIN]) { key } }';
  // A key needs the Authorization header, which a page on another origin may only send after a preflight, refused above.
  const withKey = await preflight(STRANGER, 'authorization');
  assert.equal(withKey.headers.get('access-control-allow-origin'), null);
  // What a page can send without a preflight: GET, or a POST as a form or plain text.
  const get = new URL(platform.url);
  get.searchParams.set('query', mutation);
  const attempts = [
    fetch(get, { headers: { origin: STRANGER, authorization: `Bearer ${ADMIN_KEY}` } }),
    fetch(platform.url, {
      method: 'POST',
      headers: { origin: STRANGER, 'content-type': 'text/plain', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: mutation }),
    }),
    fetch(platform.url, {
      method: 'POST',
      headers: { origin: STRANGER, 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${ADMIN_KEY}` },
      body: `query=${encodeURIComponent(mutation)}`,
    }),
  ];
  for (const answer of await Promise.all(attempts)) {
    assert.ok(answer.status >= 400, `status ${answer.status}`);
    assert.equal(answer.headers.get('access-control-allow-origin'), null);
  }
  assert.equal(await keyCount(), before);
  // The same mutation as a client sends it (a JSON POST with the key) does run.
  const direct = await fetch(platform.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: mutation }),
  });
  assert.equal(direct.status, 200);
  assert.equal(await keyCount(), before + 1);
});

function upgrade(origin: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(platform.wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
    socket.on('open', () => (socket.close(), resolve(101)));
    socket.on('unexpected-response', (_req, res) => (socket.terminate(), resolve(res.statusCode ?? 0)));
    socket.on('error', () => undefined);
  });
}

test('the WebSocket upgrade checks Origin against the same list; same-origin and non-browser clients connect', async () => {
  assert.equal(await upgrade(FRONTEND), 101);
  assert.equal(await upgrade(new URL(platform.url).origin), 101);
  assert.equal(await upgrade(undefined), 101);
  assert.equal(await upgrade(STRANGER), 403);
});

test('every operation answers with RateLimit-Limit, -Remaining and -Reset, a refused one too', async () => {
  const call = () =>
    fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '1.2.3.4' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
  const first = await call();
  assert.equal(first.headers.get('ratelimit-limit'), '50');
  const remaining = Number(first.headers.get('ratelimit-remaining'));
  assert.ok(remaining >= 0 && remaining < 50, String(remaining));
  assert.ok(Number(first.headers.get('ratelimit-reset')) >= 1);
  const second = await call();
  assert.ok(Number(second.headers.get('ratelimit-remaining')) < remaining);
  const keyed = await fetch(platform.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(keyed.headers.get('ratelimit-limit'), '40');
  let last = second;
  while (last.status !== 429) last = await call();
  assert.equal(last.headers.get('ratelimit-remaining'), '0');
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  assert.ok(Number(last.headers.get('ratelimit-reset')) >= Number(last.headers.get('retry-after')));
});
