// An outside attacker's list against a real server (production settings, queries need a key): each hole found once stays shut, and no answer to a caller without the admin scope carries a server path, a credential or a stack trace.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { redactCredentials, redactText, redactValue } from '../src/api/callerRedaction.js';
import { buildOnnxModel, ONNX_FLOAT } from '../src/linalg/onnxGraph.js';
import { ADMIN_KEY, request, startTestPlatform, WsSession, type RawResponse, type TestPlatform } from './support/securePlatform.js';
import { TINY_RECIPE, writeTinyModel } from './support/tinyModels.js';
import { writeToneDataset } from './support/toneDataset.js';
import { until } from './support/until.js';

let t: TestPlatform;
let reader: string;
let datasetId: string;
const CREDENTIAL = 'hunter2';

/** Everything a caller without the admin scope received, for the final scan. */
const received: { attack: string; text: string }[] = [];

async function attack<T = Record<string, any>>(
  name: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
): Promise<RawResponse<T>> {
  const response = await request<T>(t.url, query, variables, key);
  received.push({ attack: name, text: JSON.stringify(response.body) });
  return response;
}

async function get(name: string, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(new URL(path, t.url));
  const text = await response.text();
  received.push({ attack: name, text });
  return { status: response.status, text };
}

const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
const mutate = (query: string, variables: Record<string, unknown>) => request<Record<string, any>>(t.url, query, variables, ADMIN_KEY);

before(async () => {
  t = await startTestPlatform({ introspection: false, hideSuggestions: true }, { publicQueries: false });
  const created = await mutate('mutation { createApiKey(name: "reader", scopes: [READ]) { key } }', {});
  reader = created.body.data!.createApiKey.key;
  const manifest = await writeToneDataset(join(t.dir, 'tones'), 8);
  // Two more images: one a URL with credentials (to a private address, so refused), one to become a symlink out.
  const parsed = JSON.parse(readFileSync(manifest, 'utf8'));
  parsed.images.push(
    { id: 'url', item: 'i0', uri: `http://user:${CREDENTIAL}@127.0.0.1:9/x.png` },
    { id: 'link', item: 'i1', uri: 'images/link.png' },
  );
  await sharp({ create: { width: 9, height: 9, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toFile(join(t.dir, 'tones', 'images', 'link.png'));
  writeFileSync(manifest, JSON.stringify(parsed));
  datasetId = (await mutate('mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }', { p: manifest })).body.data!
    .importDataset.id;
  // After the import, the image becomes a symlink out of the dataset's folder.
  unlinkSync(join(t.dir, 'tones', 'images', 'link.png'));
  symlinkSync('/etc/hostname', join(t.dir, 'tones', 'images', 'link.png'));
});

after(async () => {
  await t?.platform.runs.drain();
  await t?.close();
});

test('a model file that vanishes, a symlinked image and a URL with credentials: readers see what failed, not where or with what secret', async () => {
  const models = [];
  for (const name of ['kept', 'gone']) {
    // Different weights: two files with the same bytes are one model to the embedding cache, which would serve "gone".
    const written = await writeTinyModel(join(t.dir, 'models'), 'conv', { name, seed: name === 'kept' ? 4 : 5 });
    models.push(
      (await mutate('mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }', { p: written.manifest })).body.data!
        .registerModel.id,
    );
    if (name === 'gone') rmSync(written.onnx);
  }
  const runId = (
    await mutate('mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id } }', { i: { datasetId, modelIds: models } })
  ).body.data!.startEvaluation.id;
  const RUN =
    'query ($id: ID!) { run(id: $id) { status error evaluations { model { name } status error failedImages { edges { node { imageId error } } } } } }';
  const ended = await until(
    () => request<{ run: { status: string } }>(t.url, RUN, { id: runId }, ADMIN_KEY),
    (r) => !['QUEUED', 'RUNNING'].includes(r.body.data!.run.status),
  );
  const asAdmin = JSON.stringify(ended.body);
  // The admin, who registers the files, sees the details as they are.
  assert.ok(asAdmin.includes(join(t.dir, 'models', 'gone.onnx')), asAdmin);
  assert.ok(asAdmin.includes(CREDENTIAL), 'the admin sees the URL as given');
  const seen = await attack<{
    run: {
      evaluations: {
        model: { name: string };
        error: string | null;
        failedImages: { edges: { node: { imageId: string; error: string } }[] };
      }[];
    };
  }>('run details as a reader', RUN, { id: runId }, reader);
  const byModel = Object.fromEntries(seen.body.data!.run.evaluations.map((e) => [e.model.name, e]));
  assert.match(byModel.gone.error ?? '', /cannot read …\/gone\.onnx \(ENOENT\)/);
  const failed = Object.fromEntries(byModel.kept.failedImages.edges.map(({ node: f }) => [f.imageId, f.error]));
  assert.match(failed.link, /outside the folder …\/tones$/);
  assert.match(failed.url, /http:\/\/redacted@127\.0\.0\.1:9\/x\.png/);
  // The same over WebSocket.
  const ws = new WsSession(t.wsUrl, reader);
  try {
    const results = await ws.run(RUN, { id: runId });
    received.push({ attack: 'run details over WebSocket', text: JSON.stringify(results) });
    assert.equal(JSON.stringify(results.at(-1)), JSON.stringify(seen.body));
  } finally {
    await ws.close();
  }
});

test('without a key (queries are not public) or with a revoked key, nothing answers: not __typename, not introspection, on HTTP or WebSocket', async () => {
  const revoked = (await mutate('mutation { createApiKey(name: "gone", scopes: [READ]) { key apiKey { id } } }', {})).body.data!
    .createApiKey;
  await mutate('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: revoked.apiKey.id });
  for (const key of [undefined, revoked.key, 'ce_made-up']) {
    for (const query of ['{ __typename }', '{ __schema { queryType { name } } }', 'mutation { __typename }']) {
      const response = await attack(`${query} with ${key ? 'a bad key' : 'no key'}`, query, {}, key);
      // Introspection is off in production: validation refuses it before the key is looked at.
      const expected = query.includes('__schema') ? 'GRAPHQL_VALIDATION_FAILED' : 'UNAUTHENTICATED';
      assert.equal(code(response.body), expected, `${query}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.data ?? undefined, undefined);
    }
    const ws = new WsSession(t.wsUrl, key);
    try {
      const results = await ws.run('{ __typename }');
      received.push({ attack: 'typename over WebSocket', text: JSON.stringify(results) });
      assert.equal(code(results.at(-1)!), 'UNAUTHENTICATED', JSON.stringify(results));
    } finally {
      await ws.close();
    }
  }
  assert.equal((await attack('typename with a key', '{ __typename }', {}, reader)).body.data?.__typename, 'Query');
});

test('__typename counts as an alias: 600 of them are refused before anything runs', async () => {
  const query = `{ ${Array.from({ length: 600 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const response = await attack('600 __typename aliases', query, {}, reader);
  assert.equal(code(response.body), 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(response.body.data, undefined);
});

test('a NUL in an id, a search string or a manifest tag is BAD_USER_INPUT, logs nothing and stores nothing', async () => {
  const loggedBefore = t.logged.length;
  const cases: [string, string, Record<string, unknown>][] = [
    ['NUL in an id variable', 'query ($id: ID!) { dataset(id: $id) { id } }', { id: 'a\u0000b' }],
    ['NUL in an id literal', '{ run(id: "a\\u0000b") { id } }', {}],
    ['NUL in a search', 'query ($d: ID!, $s: String) { images(datasetId: $d, search: $s) { totalCount } }', { d: datasetId, s: '\u0000' }],
    ['NUL in a run filter', 'query ($d: ID) { runs(datasetId: $d) { edges { node { id } } } }', { d: '\u0000' }],
  ];
  for (const [name, query, variables] of cases) {
    const response = await attack(name, query, { ...variables }, reader);
    assert.equal(code(response.body), 'BAD_USER_INPUT', `${name}: ${JSON.stringify(response.body)}`);
    assert.match(response.body.errors![0].message, /NUL/);
  }
  const manifest = join(t.dir, 'nul.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      name: 'nul',
      items: [{ id: 'x', tags: [{ category: 'Tone', name: 'da\u0000rk' }] }],
      images: [{ id: 'p', item: 'x', uri: 'a.png' }],
    }),
  );
  const imported = await mutate('mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }', { p: manifest });
  assert.equal(code(imported.body), 'BAD_USER_INPUT', JSON.stringify(imported.body));
  assert.equal(await t.platform.db.prisma.dataset.count({ where: { name: 'nul' } }), 0);
  assert.deepEqual(
    t.logged.slice(loggedBefore).filter((line) => /internal error|\bat\s/.test(line)),
    [],
  );
});

test('a persisted query whose hash does not match is a coded client error, not an internal one', async () => {
  const body = JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}` },
    body,
  });
  const text = await response.text();
  received.push({ attack: 'persisted query hash mismatch', text });
  const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
  assert.notEqual(code(parsed), 'INTERNAL_SERVER_ERROR', text);
  assert.ok(code(parsed), text);
});

test('a body in a charset the server does not decode is a coded client error (415), not an internal one', async () => {
  for (const charset of ['latin9', 'utf-16', 'koi8-r']) {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': `application/json; charset=${charset}`, authorization: `Bearer ${reader}` },
      body: '{"query":"{ __typename }"}',
    });
    const text = await response.text();
    received.push({ attack: `charset ${charset}`, text });
    assert.ok(response.status >= 400 && response.status < 500, `${charset}: ${response.status} ${text}`);
    assert.equal(code(JSON.parse(text)), 'BAD_REQUEST', text);
  }
});

test('dashboard file errors: a status and a word, never a stack trace or a path', async () => {
  for (const [path, status] of [
    ['/dashboard/no-such-file.js', 404],
    ['/dashboard/..%2f..%2fpackage.json', 403],
    ['/dashboard/%E0%A4%A', 400],
    ['/dashboard/', 404],
  ] as const) {
    const response = await get(`GET ${path}`, path);
    assert.equal(response.status, status, `${path}: ${response.text}`);
    assert.match(response.text, /^(not found|forbidden|bad request)$/);
  }
});

test('a model whose weights point at a server file (external data) is refused', async () => {
  const folder = join(t.dir, 'models');
  const f = (name: string, shape: (string | number)[]) => ({ name, elemType: ONNX_FLOAT, shape });
  for (const location of ['package.json', '../../../package.json', '/etc/hostname']) {
    writeFileSync(
      join(folder, 'thief.onnx'),
      buildOnnxModel({
        name: 'thief',
        inputs: [f('image', ['batch', 3, TINY_RECIPE.crop, TINY_RECIPE.crop])],
        outputs: [f('embedding', ['batch', 4])],
        nodes: [
          { opType: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
          { opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: [{ name: 'axis', int: 1 }] },
          { opType: 'MatMul', inputs: ['flat', 'w'], outputs: ['embedding'] },
        ],
        initializers: [{ name: 'w', dims: [3, 4], floats: new Float32Array(12), externalLocation: location }],
      }),
    );
    writeFileSync(join(folder, 'thief.json'), JSON.stringify({ name: `thief ${location}`, file: 'thief.onnx', preprocess: TINY_RECIPE }));
    const registered = await mutate('mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }', {
      p: join(folder, 'thief.json'),
    });
    assert.ok(['BAD_USER_INPUT', 'NOT_FOUND'].includes(code(registered.body) ?? ''), `${location}: ${JSON.stringify(registered.body)}`);
    assert.match(registered.body.errors![0].message, /external data/);
  }
});

test('the scan: nothing any attack returned to a caller without the admin scope holds a server path, a credential or a stack trace', () => {
  assert.ok(received.length >= 25, `${received.length} answers scanned`);
  const forbidden: [string, RegExp][] = [
    ['the test folder', new RegExp(t.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
    ['the working folder', new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
    ['the temporary folder', new RegExp(`${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`)],
    ['a system path', /(?<![\w.])\/(etc|home|root|usr|var|proc)\//],
    ['a credential', new RegExp(CREDENTIAL)],
    ['a stack frame', /\bat [\w.<>]+ \(|\.(js|ts):\d+:\d+/],
    ['node_modules', /node_modules/],
  ];
  for (const { attack: name, text } of received) {
    for (const [what, pattern] of forbidden) assert.doesNotMatch(text, pattern, `${name} returned ${what}: ${text.slice(0, 500)}`);
  }
  for (const line of t.logged) assert.ok(!line.includes(CREDENTIAL), `the log holds a credential: ${line}`);
});

test('the redaction itself: paths to their last segment, URL users, passwords and signatures, secret pairs, stacks; thumbnails and relative paths as they are', () => {
  assert.equal(redactText('cannot read /srv/data/models/gone.onnx (ENOENT)'), 'cannot read …/gone.onnx (ENOENT)');
  assert.equal(redactText('image http://user:pw@host:9/x.png: refused'), 'image http://redacted@host:9/x.png: refused');
  assert.equal(redactText('s3://bucket/key?X-Amz-Signature=abc'), 's3://bucket/key?X-Amz-Signature=redacted');
  assert.equal(redactText('file:///etc/passwd and "/var/lib/x"'), '…/passwd and "…/x"');
  assert.equal(redactText('failed: password=hunter2; token: abc'), 'failed: password=redacted; token: redacted');
  assert.equal(redactText('boom\\u000a    at f (/app/dist/x.js:1:2)'), 'boom');
  for (const kept of ['images/a.png', 'a/b and 1/2', 'data:image/png;base64,/9j/4AAQ+/x==', 'rank 3 / 4', 'https://example.com/a/b.png'])
    assert.equal(redactText(kept), kept);
  // Log lines keep paths and stacks (operators need them), never credentials.
  assert.equal(
    redactCredentials('run r1: image http://u:hunter2@h/x.png failed at /srv/a.png, password=hunter2'),
    'run r1: image http://redacted@h/x.png failed at /srv/a.png, password=redacted',
  );
  // A result's strings are redacted at any depth; what a scalar serialised to (DateTime's Date) reaches JSON as it is.
  const createdAt = new Date('2026-01-02T03:04:05Z');
  const result = redactValue({ data: { models: [{ error: 'cannot read /srv/m.onnx', createdAt }] } });
  assert.equal(result.data.models[0]!.error, 'cannot read …/m.onnx');
  assert.equal(JSON.stringify(result.data.models[0]!.createdAt), JSON.stringify(createdAt));
});
