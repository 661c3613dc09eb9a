// The audit log over real HTTP and WebSocket on real PostgreSQL: every mutation, succeeded or failed, with secrets redacted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { redactSecrets } from '../src/api/redactSecrets.js';
import { ADMIN_KEY, request, startTestPlatform, WsSession, type TestPlatform } from './support/securePlatform.js';

let t: TestPlatform;

interface Entry {
  id: string;
  keyId: string | null;
  keyName: string | null;
  operationName: string | null;
  field: string;
  arguments: Record<string, any>;
  outcome: string;
  errorCode: string | null;
  clientIp: string | null;
  createdAt: string;
}

const AUDIT =
  'query ($first: Int, $keyId: ID) { auditLog(first: $first, keyId: $keyId) { edges { node { id keyId keyName operationName field arguments outcome errorCode clientIp createdAt } } } }';
const SECRET_URL = 'https://alice:hunter2@127.0.0.1:1/data/manifest.json?X-Amz-Signature=cafebabe&X-Amz-Credential=AKIAEXAMPLE&v=1';

async function auditLog(variables: Record<string, unknown> = {}): Promise<Entry[]> {
  const response = await request<{ auditLog: { edges: { node: Entry }[] } }>(t.url, AUDIT, variables, ADMIN_KEY);
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return response.body.data!.auditLog.edges.map((edge) => edge.node);
}

before(async () => {
  // One trusted proxy: the client is the last X-Forwarded-For entry.
  t = await startTestPlatform({ trustedProxyHops: 1 });
});

after(async () => {
  await t?.close();
});

test('mutations are audited whether they succeed or fail, with who, what, from where and how it ended', async () => {
  const anonymous = await request(
    t.url,
    'mutation Anonymous($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
    { p: SECRET_URL },
    undefined,
    { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' },
  );
  assert.equal(anonymous.body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  const failed = await request(
    t.url,
    'mutation Import($p: String!) { importDataset(input: { manifestPath: $p, name: "x" }) { id } }',
    { p: SECRET_URL },
    ADMIN_KEY,
    { 'x-forwarded-for': '203.0.113.10' },
  );
  // A URL is outside every data root, so the import is refused before anything is fetched.
  assert.equal(failed.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  const created = await request<{ createApiKey: { key: string; apiKey: { id: string } } }>(
    t.url,
    'mutation NewKey { createApiKey(name: "reader", scopes: [READ], rateLimitPerMinute: 30) { key apiKey { id } } }',
    {},
    ADMIN_KEY,
  );
  const { key, apiKey } = created.body.data!.createApiKey;
  const forbidden = await request(t.url, 'mutation { deleteModel(id: "m1") }', {}, key);
  assert.equal(forbidden.body.errors?.[0].extensions?.code, 'FORBIDDEN');
  // A mutation over WebSocket is audited the same way.
  const ws = new WsSession(t.wsUrl, ADMIN_KEY);
  try {
    const revoked = await ws.run('mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
    assert.equal(revoked.at(-1)?.errors, undefined);
  } finally {
    await ws.close();
  }

  const entries = await auditLog();
  assert.deepEqual(
    entries.map((e) => [e.field, e.operationName, e.outcome, e.errorCode, e.keyName]),
    [
      ['revokeApiKey', 'Revoke', 'OK', null, 'admin (CORREMBED_ADMIN_KEY)'],
      ['deleteModel', null, 'ERROR', 'FORBIDDEN', 'reader'],
      ['createApiKey', 'NewKey', 'OK', null, 'admin (CORREMBED_ADMIN_KEY)'],
      ['importDataset', 'Import', 'ERROR', 'BAD_USER_INPUT', 'admin (CORREMBED_ADMIN_KEY)'],
      ['importDataset', 'Anonymous', 'ERROR', 'UNAUTHENTICATED', null],
    ],
  );
  const [revoke, denied, create, imported, anon] = entries;
  assert.equal(anon.keyId, null);
  assert.deepEqual(anon.arguments, { omitted: 'no valid API key' }, 'a caller without a valid key stores no arguments');
  assert.equal(anon.clientIp, '203.0.113.9', 'the entry the trusted proxy appended');
  assert.equal(imported.clientIp, '203.0.113.10');
  assert.equal(denied.keyId, apiKey.id);
  assert.deepEqual(denied.arguments, { id: 'm1' });
  assert.deepEqual(create.arguments, { name: 'reader', scopes: ['read'], rateLimitPerMinute: 30 });
  assert.deepEqual(revoke.arguments, { id: apiKey.id });
  assert.equal(revoke.clientIp, '127.0.0.1');
  // Secrets never reach the log: the URL's password and signature are redacted, the created key is not recorded.
  const manifestPath = new URL(imported.arguments.input.manifestPath);
  assert.equal(manifestPath.password, 'redacted');
  assert.equal(manifestPath.searchParams.get('X-Amz-Signature'), 'redacted');
  assert.equal(manifestPath.searchParams.get('X-Amz-Credential'), 'redacted');
  assert.equal(manifestPath.searchParams.get('v'), '1');
  assert.equal(imported.arguments.input.name, 'x');
  const stored = JSON.stringify(await t.platform.db.prisma.auditLogEntry.findMany());
  for (const secret of ['hunter2', 'cafebabe', 'AKIAEXAMPLE', key.slice(3)])
    assert.ok(!stored.includes(secret), `${secret} is in the audit log`);

  // Filtered by key, and paged.
  assert.deepEqual(
    (await auditLog({ keyId: apiKey.id })).map((e) => e.field),
    ['deleteModel'],
  );
  assert.deepEqual(
    (await auditLog({ first: 2 })).map((e) => e.id),
    entries.slice(0, 2).map((e) => e.id),
  );
});

test('nobody fills the audit log with large arguments: without a key none are kept, with one they are bounded', async () => {
  const huge = 'x'.repeat(700_000);
  const mutation = 'mutation Big($p: String!) { registerModel(input: { manifestPath: $p }) { id } }';
  for (let i = 0; i < 3; i++)
    assert.equal(
      (await request(t.url, mutation, { p: huge }, undefined, { 'x-forwarded-for': '198.51.100.99' })).body.errors?.[0].extensions?.code,
      'UNAUTHENTICATED',
    );
  assert.equal((await request(t.url, mutation, { p: huge }, 'ce_not-a-key')).body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  assert.equal((await request(t.url, mutation, { p: huge }, ADMIN_KEY)).body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  const rows = await t.platform.db.prisma.auditLogEntry.findMany({ where: { operationName: 'Big' } });
  assert.equal(rows.length, 5, 'every attempt is still recorded');
  for (const row of rows)
    assert.ok(JSON.stringify(row.arguments).length < 200, `a row keeps ${JSON.stringify(row.arguments).length} characters of arguments`);
  assert.match(JSON.stringify(rows.find((r) => r.keyId !== null)!.arguments), /over 4096/);
});

test('the audit log is for admins only', async () => {
  const created = await request<{ createApiKey: { key: string } }>(
    t.url,
    'mutation { createApiKey(name: "ops", scopes: [EVALUATE]) { key } }',
    {},
    ADMIN_KEY,
  );
  const asEvaluator = await request(t.url, AUDIT, {}, created.body.data!.createApiKey.key);
  assert.equal(asEvaluator.body.errors?.[0].extensions?.code, 'FORBIDDEN');
  assert.equal((await request(t.url, AUDIT)).body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
});

test('redaction: secret-named fields at any depth, URL passwords and signed query parameters; the rest as it is', () => {
  assert.deepEqual(
    redactSecrets({
      input: { manifestPath: '/data/m.json', apiKey: 'k', nested: [{ password: 'p', token: 't', note: 'http://h/x?a=1' }] },
      count: 3,
      ok: null,
    }),
    {
      input: {
        manifestPath: '/data/m.json',
        apiKey: 'redacted',
        nested: [{ password: 'redacted', token: 'redacted', note: 'http://h/x?a=1' }],
      },
      count: 3,
      ok: null,
    },
  );
  assert.equal(redactSecrets('s3://bucket/key?X-Amz-Security-Token=abc'), 's3://bucket/key?X-Amz-Security-Token=redacted');
  assert.equal(redactSecrets('not a url: https://'), 'not a url: https://');
});
