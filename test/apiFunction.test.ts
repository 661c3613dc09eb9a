// The api function (Lambda) applies the same protections as the server: body and document limits, armor, scopes, rate limits, audit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ensureAdminKey } from '../src/api/apiKeys.js';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { handleApi } from '../src/serverless/apiFunction.js';
import { closeFunctionRuntime, functionRuntime } from '../src/serverless/functionRuntime.js';

const ADMIN_KEY = 'function-test-admin-key-0123456789';
const databaseUrl = uniqueTestDatabaseUrl();

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[] };
}

async function call(body: string, options: { key?: string; sourceIp?: string; origin?: string; method?: string } = {}): Promise<Answer> {
  const event = {
    version: '2.0',
    routeKey: 'POST /graphql',
    rawPath: '/graphql',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
    },
    requestContext: {
      http: {
        method: options.method ?? 'POST',
        path: '/graphql',
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '198.51.100.1',
        userAgent: 'test',
      },
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const response = await handleApi(event, {} as Context);
  return {
    status: response.statusCode ?? 200,
    headers: response.headers ?? {},
    body: response.body ? JSON.parse(String(response.body)) : {},
  };
}

const FRONTEND = 'http://localhost:5173';
const graphql = (query: string, variables: Record<string, unknown> = {}, options: Parameters<typeof call>[1] = {}) =>
  call(JSON.stringify({ query, variables }), options);
const code = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

before(async () => {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    CORREMBED_MAX_BODY_BYTES: '2048',
    CORREMBED_MAX_DOCUMENT_CHARS: '500',
    CORREMBED_MAX_DEPTH: '4',
    CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '5',
    CORREMBED_CORS_ORIGINS: FRONTEND,
  });
  await ensureAdminKey((await functionRuntime()).db.prisma, ADMIN_KEY);
});

after(async () => {
  await closeFunctionRuntime();
  await dropDatabase(databaseUrl);
});

test('the api function refuses oversized bodies and documents, deep queries, introspection and suggestions like the server', async () => {
  const body = await call(JSON.stringify({ query: '{ datasets { totalCount } }', variables: { pad: 'x'.repeat(3000) } }), {
    key: ADMIN_KEY,
  });
  assert.equal(body.status, 413);
  assert.equal(code(body), 'PAYLOAD_TOO_LARGE');
  const document = await graphql(`{ datasets { totalCount } } # ${'x'.repeat(600)}`, {}, { key: ADMIN_KEY });
  assert.equal(document.status, 413);
  assert.equal(code(document), 'DOCUMENT_TOO_LARGE');
  const deep = await graphql(
    '{ leaderboard(datasetId: "x") { edges { node { evaluation { model { metadata { family } } } } } } }',
    {},
    { key: ADMIN_KEY },
  );
  assert.equal(deep.status, 400);
  assert.equal(code(deep), 'GRAPHQL_VALIDATION_FAILED');
  assert.match(deep.body.errors![0].message, /depth/i);
  assert.equal(code(await graphql('{ __schema { queryType { name } } }', {}, { key: ADMIN_KEY })), 'GRAPHQL_VALIDATION_FAILED');
  const typo = await graphql('{ datasets { nam } }', {}, { key: ADMIN_KEY });
  assert.equal(code(typo), 'GRAPHQL_VALIDATION_FAILED');
  assert.doesNotMatch(typo.body.errors![0].message, /Did you mean/);
});

test('the api function checks scopes, audits mutations with the caller IP, and rate-limits anonymous callers per IP', async () => {
  const created = await graphql('mutation { createApiKey(name: "reader", scopes: [READ]) { key } }', {}, { key: ADMIN_KEY });
  const reader = created.body.data!.createApiKey.key as string;
  assert.equal(code(await graphql('mutation { deleteDataset(id: "d") }', {}, { key: reader, sourceIp: '203.0.113.5' })), 'FORBIDDEN');
  assert.equal(code(await graphql('mutation { deleteDataset(id: "d") }')), 'UNAUTHENTICATED');
  const audit = await graphql('{ auditLog(first: 3) { edges { node { field errorCode keyName clientIp } } } }', {}, { key: ADMIN_KEY });
  assert.deepEqual(
    audit.body.data!.auditLog.edges.map((edge: { node: unknown }) => edge.node),
    [
      { field: 'deleteDataset', errorCode: 'UNAUTHENTICATED', keyName: null, clientIp: '198.51.100.1' },
      { field: 'deleteDataset', errorCode: 'FORBIDDEN', keyName: 'reader', clientIp: '203.0.113.5' },
      { field: 'createApiKey', errorCode: null, keyName: 'admin (CORREMBED_ADMIN_KEY)', clientIp: '198.51.100.1' },
    ],
  );
  let refused: Answer | undefined;
  for (let i = 0; i < 10 && !refused; i++) {
    const answer = await graphql('{ __typename }', {}, { sourceIp: '192.0.2.99' });
    if (answer.status !== 200) refused = answer;
  }
  assert.equal(refused?.status, 429);
  assert.equal(code(refused!), 'RATE_LIMITED');
  assert.equal(String(refused!.headers['retry-after']), String(refused!.body.errors![0].extensions!.retryAfterSeconds));
});

test('the api function answers CORS like the server: preflights from listed origins, no CORS headers for others, rate-limit headers', async () => {
  const preflight = await call('', { origin: FRONTEND, method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], FRONTEND);
  assert.match(String(preflight.headers['access-control-allow-headers']), /authorization, content-type, accept, apollo-require-preflight/);
  assert.equal((await call('', { origin: 'http://evil.example', method: 'OPTIONS' })).status, 403);
  const listed = await graphql('{ __typename }', {}, { key: ADMIN_KEY, origin: FRONTEND });
  assert.equal(listed.headers['access-control-allow-origin'], FRONTEND);
  assert.ok(
    Number(listed.headers['ratelimit-remaining']) >= 0 && Number(listed.headers['ratelimit-limit']) > 0,
    JSON.stringify(listed.headers),
  );
  const stranger = await graphql('{ __typename }', {}, { key: ADMIN_KEY, origin: 'http://evil.example' });
  assert.deepEqual(stranger.body.data, { __typename: 'Query' });
  assert.equal(stranger.headers['access-control-allow-origin'], undefined);
});
