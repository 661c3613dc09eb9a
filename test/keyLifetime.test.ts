// How long a key works: expiresAt on createApiKey (refused from then on), and a revoked CORREMBED_ADMIN_KEY that a restart must not bring back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { startPlatform } from '../src/platform.js';
import { ADMIN_KEY, request, startTestPlatform, type TestPlatform } from './support/securePlatform.js';

let t: TestPlatform;
const CREATE = 'mutation ($e: DateTime) { createApiKey(name: "temporary", scopes: [READ], expiresAt: $e) { key apiKey { id expiresAt } } }';
const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

before(async () => {
  t = await startTestPlatform({}, { publicQueries: false });
});
after(async () => {
  await t?.close();
});

test('a key with expiresAt works until then and is refused from then on, over HTTP; bad expiry times are refused', async () => {
  // Long enough for the create and the first use to come before it on a loaded machine.
  const expiresAt = new Date(Date.now() + 4000).toISOString();
  const created = await request<{ createApiKey: { key: string; apiKey: { expiresAt: string } } }>(
    t.url,
    CREATE,
    { e: expiresAt },
    ADMIN_KEY,
  );
  assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
  const { key, apiKey } = created.body.data!.createApiKey;
  assert.equal(apiKey.expiresAt, expiresAt);
  assert.equal((await request(t.url, '{ datasets { totalCount } }', {}, key)).body.errors, undefined);
  // Server and test share the clock: once the time has passed, the next operation is refused.
  await sleep(Date.parse(expiresAt) - Date.now() + 10);
  const refused = await request(t.url, '{ datasets { totalCount } }', {}, key);
  assert.equal(code(refused.body), 'UNAUTHENTICATED');
  assert.match(refused.body.errors![0].message, /has expired/);
  for (const bad of ['tomorrow', '2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z', '2030-13-45T00:00:00Z']) {
    assert.equal(code((await request(t.url, CREATE, { e: bad }, ADMIN_KEY)).body), 'BAD_USER_INPUT', bad);
  }
});

test('a revoked CORREMBED_ADMIN_KEY stays revoked: the server refuses to start with it, and starts with a new one', async () => {
  const keys = await request<{ apiKeys: { edges: { node: { id: string; name: string } }[] } }>(
    t.url,
    '{ apiKeys { edges { node { id name } } } }',
    {},
    ADMIN_KEY,
  );
  const envKey = keys.body.data!.apiKeys.edges.map((e) => e.node).find((k) => k.name === 'admin (CORREMBED_ADMIN_KEY)')!;
  assert.equal(
    (await request(t.url, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: envKey.id }, ADMIN_KEY)).body.errors,
    undefined,
  );
  const config = {
    ...loadConfig({ CORREMBED_DATA_ROOTS: t.dir }),
    port: 0,
    databaseUrl: t.platform.db.url,
    dataDir: join(t.dir, 'restart'),
    workers: 1,
  };
  await assert.rejects(
    startPlatform({ ...config, adminKey: ADMIN_KEY }, () => undefined),
    /CORREMBED_ADMIN_KEY names a key revoked at .*; set it to a new key/,
  );
  const restarted = await startPlatform({ ...config, adminKey: 'a-new-admin-key-0123456789' }, () => undefined);
  try {
    assert.equal(code((await request(restarted.server.url, '{ apiKeys { totalCount } }', {}, ADMIN_KEY)).body), 'UNAUTHENTICATED');
    assert.equal(
      (await request(restarted.server.url, '{ apiKeys { totalCount } }', {}, 'a-new-admin-key-0123456789')).body.errors,
      undefined,
    );
  } finally {
    await restarted.close();
  }
});
