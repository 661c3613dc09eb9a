// API keys and scopes over real HTTP and WebSocket on real PostgreSQL: who may do what, keys shown once, revocation at once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { ADMIN_KEY, request, startTestPlatform, WsSession, type TestPlatform } from './support/securePlatform.js';
import { writeTinyModel } from './support/tinyModels.js';
import { writeToneDataset } from './support/toneDataset.js';

let t: TestPlatform;
let datasetId: string;
let modelId: string;
const keys: Record<'read' | 'evaluate', { key: string; id: string }> = {} as never;

const CREATE_KEY =
  'mutation ($name: String!, $scopes: [Scope!]!, $limit: Int) { createApiKey(name: $name, scopes: $scopes, rateLimitPerMinute: $limit) { key apiKey { id name scopes prefix rateLimitPerMinute createdAt lastUsedAt revokedAt } } }';
const DATASETS = '{ datasets { edges { node { id } } } }';
const START = 'mutation ($input: StartEvaluationInput!) { startEvaluation(input: $input) { id status } }';

async function createKey(name: string, scopes: string[]): Promise<{ key: string; id: string }> {
  const created = await request<{ createApiKey: { key: string; apiKey: { id: string } } }>(t.url, CREATE_KEY, { name, scopes }, ADMIN_KEY);
  assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
  return { key: created.body.data!.createApiKey.key, id: created.body.data!.createApiKey.apiKey.id };
}

const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

before(async () => {
  // Queries need a key here too, so that the read scope matters.
  t = await startTestPlatform({}, { publicQueries: false });
  const manifestPath = await writeToneDataset(join(t.dir, 'tones'), 6);
  const imported = await request<{ importDataset: { id: string } }>(
    t.url,
    'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
    { p: manifestPath },
    ADMIN_KEY,
  );
  datasetId = imported.body.data!.importDataset.id;
  const model = await writeTinyModel(join(t.dir, 'models'), 'conv');
  const registered = await request<{ registerModel: { id: string } }>(
    t.url,
    'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }',
    { p: model.manifest },
    ADMIN_KEY,
  );
  modelId = registered.body.data!.registerModel.id;
  keys.read = await createKey('reader', ['READ']);
  keys.evaluate = await createKey('evaluator', ['EVALUATE']);
});

after(async () => {
  await t?.platform.runs.drain();
  await t?.close();
});

test('without a key, with an unknown key, or with too small a scope, every mutation is refused with its code', async () => {
  const mutations: [string, Record<string, unknown>, 'admin' | 'evaluate'][] = [
    ['mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }', { p: '/nowhere/manifest.json' }, 'admin'],
    ['mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }', { p: '/nowhere/model.json' }, 'admin'],
    ['mutation ($id: ID!) { deleteDataset(id: $id) }', { id: 'nope' }, 'admin'],
    ['mutation ($id: ID!) { deleteModel(id: $id) }', { id: 'nope' }, 'admin'],
    [CREATE_KEY, { name: 'x', scopes: ['ADMIN'] }, 'admin'],
    ['mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: 'nope' }, 'admin'],
    [START, { input: { datasetId: 'nope', modelIds: ['nope'] } }, 'evaluate'],
    ['mutation ($id: ID!) { cancelRun(id: $id) { id } }', { id: 'nope' }, 'evaluate'],
  ];
  for (const [query, variables, scope] of mutations) {
    const anonymous = await request(t.url, query, variables);
    assert.equal(code(anonymous.body), 'UNAUTHENTICATED', query);
    assert.match(anonymous.body.errors![0].message, /needs an API key/);
    const unknown = await request(t.url, query, variables, 'ce_not-a-key-of-this-server');
    assert.equal(code(unknown.body), 'UNAUTHENTICATED', query);
    assert.match(unknown.body.errors![0].message, /unknown or revoked/);
    const reader = await request(t.url, query, variables, keys.read.key);
    assert.equal(code(reader.body), 'FORBIDDEN', query);
    assert.match(reader.body.errors![0].message, new RegExp(`lacks the "${scope}" scope`));
    const evaluator = await request(t.url, query, variables, keys.evaluate.key);
    assert.equal(code(evaluator.body), scope === 'admin' ? 'FORBIDDEN' : 'NOT_FOUND', query);
  }
  for (const query of ['{ apiKeys { totalCount } }', '{ auditLog { totalCount } }']) {
    assert.equal(code((await request(t.url, query, {}, keys.evaluate.key)).body), 'FORBIDDEN', query);
  }
  // CORREMBED_PUBLIC_QUERIES=false: queries need read.
  assert.equal(code((await request(t.url, DATASETS)).body), 'UNAUTHENTICATED');
  assert.equal((await request(t.url, DATASETS, {}, keys.read.key)).body.data?.datasets.edges.length, 1);
});

test('an evaluate key starts, follows and cancels evaluations (evaluate implies read; admin implies both)', async () => {
  const started = await request<{ startEvaluation: { id: string; status: string } }>(
    t.url,
    START,
    { input: { datasetId, modelIds: [modelId] } },
    keys.evaluate.key,
  );
  assert.equal(started.body.errors, undefined, JSON.stringify(started.body.errors));
  const runId = started.body.data!.startEvaluation.id;
  const read = await request<{ run: { id: string } }>(t.url, 'query ($id: ID!) { run(id: $id) { id } }', { id: runId }, keys.evaluate.key);
  assert.equal(read.body.data?.run.id, runId);
  const cancelled = await request(t.url, 'mutation ($id: ID!) { cancelRun(id: $id) { id } }', { id: runId }, keys.evaluate.key);
  assert.equal(cancelled.body.errors, undefined, JSON.stringify(cancelled.body.errors));
  const byAdmin = await request(t.url, START, { input: { datasetId, modelIds: [modelId] } }, ADMIN_KEY);
  assert.equal(byAdmin.body.errors, undefined, JSON.stringify(byAdmin.body.errors));
});

test('a created key is shown once, stored only as its hash, and listed without it', async () => {
  const created = await request<{ createApiKey: { key: string; apiKey: Record<string, unknown> } }>(
    t.url,
    CREATE_KEY,
    { name: 'ci', scopes: ['EVALUATE', 'READ'], limit: 90 },
    ADMIN_KEY,
  );
  const { key, apiKey } = created.body.data!.createApiKey;
  assert.match(key, /^ce_[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(
    { ...apiKey, id: undefined, createdAt: undefined },
    {
      id: undefined,
      name: 'ci',
      scopes: ['READ', 'EVALUATE'],
      prefix: key.slice(0, 11),
      rateLimitPerMinute: 90,
      createdAt: undefined,
      lastUsedAt: null,
      revokedAt: null,
    },
  );
  const row = await t.platform.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id as string } });
  assert.equal(row.keyHash, createHash('sha256').update(key).digest('hex'));
  assert.ok(!JSON.stringify(row).includes(key.slice(11)), 'the row holds the key');
  await request(t.url, DATASETS, {}, key);
  const listed = await request<{
    apiKeys: {
      edges: {
        node: { id: string; name: string; prefix: string | null; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null };
      }[];
    };
  }>(t.url, '{ apiKeys { edges { node { id name scopes prefix rateLimitPerMinute createdAt lastUsedAt revokedAt } } } }', {}, ADMIN_KEY);
  assert.ok(!JSON.stringify(listed.body).includes(key.slice(11)), 'the list shows the key');
  const apiKeys = listed.body.data!.apiKeys.edges.map((e) => e.node);
  assert.deepEqual(
    apiKeys.map((k) => k.name),
    ['admin (CORREMBED_ADMIN_KEY)', 'reader', 'evaluator', 'ci'],
  );
  const ci = apiKeys.find((k) => k.id === apiKey.id)!;
  assert.ok(ci.lastUsedAt && Date.now() - Date.parse(ci.lastUsedAt) < 60_000, 'lastUsedAt is set by use');
  assert.equal(apiKeys[0].prefix, null, 'nothing of the configured admin key is shown');
  // node(id:) finds any object again; API keys only for admins.
  const NODE = 'query ($id: ID!) { node(id: $id) { __typename id ... on ApiKey { name } ... on Dataset { name } } }';
  assert.deepEqual((await request(t.url, NODE, { id: apiKey.id }, ADMIN_KEY)).body.data, {
    node: { __typename: 'ApiKey', id: apiKey.id, name: 'ci' },
  });
  assert.deepEqual((await request(t.url, NODE, { id: apiKey.id }, keys.read.key)).body.data, { node: null });
  assert.deepEqual((await request(t.url, NODE, { id: datasetId }, keys.read.key)).body.data?.node.__typename, 'Dataset');
  assert.deepEqual((await request(t.url, NODE, { id: 'nope' }, ADMIN_KEY)).body.data, { node: null });
  // Nothing in the schema reads a key or its hash.
  assert.equal(code((await request(t.url, '{ apiKeys { edges { node { keyHash } } } }', {}, ADMIN_KEY)).body), 'GRAPHQL_VALIDATION_FAILED');
  for (const [variables, expected] of [
    [{ name: 'none', scopes: [] }, 'BAD_USER_INPUT'],
    [{ name: ' ', scopes: ['READ'] }, 'BAD_USER_INPUT'],
    [{ name: 'zero', scopes: ['READ'], limit: 0 }, 'BAD_USER_INPUT'],
    [{ name: 'root', scopes: ['ROOT'] }, 'BAD_USER_INPUT'],
  ] as const) {
    assert.equal(code((await request(t.url, CREATE_KEY, variables, ADMIN_KEY)).body), expected, JSON.stringify(variables));
  }
});

test('a revoked key is refused at once, over HTTP and on a WebSocket connection opened before', async () => {
  const { key, id } = await createKey('to revoke', ['EVALUATE']);
  const ws = new WsSession(t.wsUrl, key);
  try {
    const before = await ws.run<{ datasets: { edges: { node: { id: string } }[] } }>(DATASETS);
    assert.deepEqual(
      before.at(-1)?.data?.datasets.edges.map((d) => d.node.id),
      [datasetId],
    );
    assert.equal((await request(t.url, DATASETS, {}, key)).body.errors, undefined);
    const revoked = await request<{ revokeApiKey: { revokedAt: string | null } }>(
      t.url,
      'mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id },
      ADMIN_KEY,
    );
    assert.ok(revoked.body.data?.revokeApiKey.revokedAt);
    const http = await request(t.url, DATASETS, {}, key);
    assert.equal(code(http.body), 'UNAUTHENTICATED');
    assert.match(http.body.errors![0].message, /unknown or revoked/);
    const query = await ws.run(DATASETS);
    assert.equal(code(query.at(-1)!), 'UNAUTHENTICATED', JSON.stringify(query));
    const runs = await t.platform.db.prisma.run.findMany({ select: { id: true } });
    const subscription = await ws.run('subscription ($id: ID!) { runCompleted(runId: $id) { id } }', { id: runs[0].id });
    assert.equal(code(subscription.at(-1)!), 'UNAUTHENTICATED', JSON.stringify(subscription));
    const mutation = await ws.run(START, { input: { datasetId, modelIds: [modelId] } });
    assert.equal(code(mutation.at(-1)!), 'UNAUTHENTICATED', JSON.stringify(mutation));
    assert.equal(ws.connections, 1, 'all on the connection opened before the revocation');
  } finally {
    await ws.close();
  }
  assert.equal(code((await request(t.url, 'mutation { revokeApiKey(id: "nope") { id } }', {}, ADMIN_KEY)).body), 'NOT_FOUND');
});

test('in development (the default), introspection is answered and field suggestions are shown', async () => {
  // The full introspection query of GraphiQL and Apollo Sandbox passes the default depth, cost and token limits.
  const schema = await request<{ __schema: { queryType: { name: string } } }>(t.url, getIntrospectionQuery(), {}, keys.read.key);
  assert.equal(schema.body.errors, undefined, JSON.stringify(schema.body.errors));
  assert.equal(schema.body.data?.__schema.queryType.name, 'Query');
  const typo = await request(t.url, '{ datasets { edges { node { nam } } } }', {}, keys.read.key);
  assert.equal(code(typo.body), 'GRAPHQL_VALIDATION_FAILED');
  assert.match(typo.body.errors![0].message, /Did you mean "name"\?/);
});
