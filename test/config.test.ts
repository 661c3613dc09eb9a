// Configuration from the environment: defaults, the Lambda executor's settings, and one clear error per bad value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configurationDoc, REGENERATE_COMMAND } from '../src/config/configurationDoc.js';
import { loadClientConfig, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { urlFromSecret } from '../src/db/databaseSecret.js';
import { executionProviders } from '../src/inference/executionProviders.js';

const LAMBDA = { CORREMBED_EXECUTOR: 'lambda', CORREMBED_EMBED_FUNCTION: 'embed', CORREMBED_AGGREGATE_FUNCTION: 'aggregate' };

test("the GPU executor: embed calls to the GPU pool (the function host's embed), aggregation through Lambda", () => {
  const config = loadConfig({
    CORREMBED_EXECUTOR: 'gpu',
    CORREMBED_GPU_ENDPOINT: 'http://gpu.internal:9000',
    CORREMBED_AGGREGATE_FUNCTION: 'agg',
  });
  assert.equal(config.executor, 'gpu');
  assert.equal(config.lambda?.gpuEndpoint, 'http://gpu.internal:9000');
  assert.equal(config.lambda?.embedFunction, 'embed');
  assert.equal(config.lambda?.aggregateFunction, 'agg');
  assert.equal(config.lambda?.endpoint, undefined);
});

test('defaults: local executor, runs driven here, one-minute leases', () => {
  const config = loadConfig({});
  assert.equal(config.executor, 'local');
  assert.equal(config.lambda, undefined);
  assert.equal(config.driveRuns, true);
  assert.equal(config.leaseSeconds, 60);
});

test('the Lambda executor: function names required, the rest defaulted, endpoints checked', () => {
  const config = loadConfig({ ...LAMBDA, AWS_REGION: 'eu-west-1' });
  assert.deepEqual(config.lambda, {
    embedFunction: 'embed',
    aggregateFunction: 'aggregate',
    region: 'eu-west-1',
    endpoint: undefined,
    gpuEndpoint: undefined,
    concurrency: 64,
    shards: 16,
    timeoutMs: 905_000,
    maxAttempts: 8,
  });
  const bad: [Record<string, string>, RegExp][] = [
    [{ CORREMBED_EXECUTOR: 'lambda' }, /CORREMBED_EMBED_FUNCTION must be set when CORREMBED_EXECUTOR is "lambda"/],
    [{ ...LAMBDA, CORREMBED_AGGREGATE_FUNCTION: ' ' }, /CORREMBED_AGGREGATE_FUNCTION must be set/],
    [{ ...LAMBDA, CORREMBED_LAMBDA_ENDPOINT: 'localhost:9000' }, /CORREMBED_LAMBDA_ENDPOINT must be an http\(s\):\/\/ URL/],
    [{ ...LAMBDA, CORREMBED_LAMBDA_CONCURRENCY: '0' }, /CORREMBED_LAMBDA_CONCURRENCY must be an integer from 1/],
    [{ CORREMBED_EXECUTOR: 'batch' }, /CORREMBED_EXECUTOR must be "local", "lambda" or "gpu"/],
    [
      { CORREMBED_EXECUTOR: 'gpu', CORREMBED_AGGREGATE_FUNCTION: 'aggregate' },
      /CORREMBED_GPU_ENDPOINT must be set when CORREMBED_EXECUTOR is "gpu"/,
    ],
    [{ CORREMBED_EXECUTOR: 'gpu', CORREMBED_GPU_ENDPOINT: 'gpu.internal' }, /CORREMBED_GPU_ENDPOINT must be an http\(s\):\/\/ URL/],
    [{ CORREMBED_LEASE_SECONDS: '0' }, /CORREMBED_LEASE_SECONDS must be an integer from 1 to 3600/],
    [{ CORREMBED_DRIVE_RUNS: 'maybe' }, /CORREMBED_DRIVE_RUNS must be true or false/],
  ];
  for (const [env, message] of bad)
    assert.throws(
      () => loadConfig(env),
      (error: Error) => error instanceof ConfigError && message.test(error.message),
    );
});

test('API protections: defaults, production mode, and bad values refused', () => {
  const defaults = loadConfig({}).api;
  assert.deepEqual(defaults, {
    rateLimitPerMinute: 600,
    anonymousRateLimitPerMinute: 120,
    maxBodyBytes: 1_048_576,
    maxDocumentChars: 20_000,
    maxTokens: 2000,
    maxDepth: 10,
    maxAliases: 15,
    maxDirectives: 10,
    maxCost: 5000,
    introspection: true,
    hideSuggestions: false,
    trustedProxyHops: 0,
    corsOrigins: [],
  });
  const production = loadConfig({ NODE_ENV: 'production' }).api;
  assert.equal(production.introspection, false);
  assert.equal(production.hideSuggestions, true);
  assert.equal(loadConfig({ NODE_ENV: 'production', CORREMBED_INTROSPECTION: 'true' }).api.introspection, true);
  assert.equal(loadConfig({ CORREMBED_RATE_LIMIT_PER_MINUTE: '0' }).api.rateLimitPerMinute, 0);
  assert.deepEqual(loadConfig({ CORREMBED_CORS_ORIGINS: 'http://localhost:5173, https://app.example.com' }).api.corsOrigins, [
    'http://localhost:5173',
    'https://app.example.com',
  ]);
  const bad: [Record<string, string>, RegExp][] = [
    [{ CORREMBED_RATE_LIMIT_PER_MINUTE: '-1' }, /CORREMBED_RATE_LIMIT_PER_MINUTE must be an integer from 0/],
    [{ CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE: 'lots' }, /CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE must be an integer/],
    [{ CORREMBED_MAX_BODY_BYTES: '10' }, /CORREMBED_MAX_BODY_BYTES must be an integer from 1024/],
    [{ CORREMBED_MAX_DOCUMENT_CHARS: '1.5' }, /CORREMBED_MAX_DOCUMENT_CHARS must be an integer/],
    [{ CORREMBED_MAX_DEPTH: '1' }, /CORREMBED_MAX_DEPTH must be an integer from 2 to 100/],
    [{ CORREMBED_INTROSPECTION: 'sometimes' }, /CORREMBED_INTROSPECTION must be true or false/],
    [{ CORREMBED_TRUSTED_PROXY_HOPS: '11' }, /CORREMBED_TRUSTED_PROXY_HOPS must be an integer from 0 to 10/],
    // An origin is exactly what a browser sends in Origin: a path, a trailing slash or a wildcard would never match.
    [{ CORREMBED_CORS_ORIGINS: 'https://app.example.com/' }, /CORREMBED_CORS_ORIGINS.*"https:\/\/app\.example\.com\/" is not an origin/],
    [{ CORREMBED_CORS_ORIGINS: '*' }, /CORREMBED_CORS_ORIGINS.*"\*" is not an origin/],
    [{ CORREMBED_CORS_ORIGINS: 'localhost:5173' }, /is not an origin: give scheme:\/\/host\[:port\]/],
  ];
  for (const [env, message] of bad)
    assert.throws(
      () => loadConfig(env),
      (error: Error) => error instanceof ConfigError && message.test(error.message),
    );
});

test('the database URL of an RDS secret: credentials encoded, TLS required', () => {
  assert.equal(
    urlFromSecret({ host: 'db.internal', port: 5432, username: 'corr embed', password: 'p@ss/w:rd', dbname: 'corrembed' }),
    'postgresql://corr%20embed:p%40ss%2Fw%3Ard@db.internal:5432/corrembed?sslmode=require&uselibpqcompat=true',
  );
  assert.throws(() => urlFromSecret({ host: 'db.internal', username: 'u' }), /DATABASE_SECRET_ARN names a secret without "password"/);
  // DATABASE_HOST (an RDS Proxy endpoint) replaces the secret's host, nothing else.
  assert.equal(
    urlFromSecret({ host: 'db.internal', username: 'u', password: 'p' }, 'proxy.internal'),
    'postgresql://u:p@proxy.internal:5432/postgres?sslmode=require&uselibpqcompat=true',
  );
});

test('execution providers: cpu by default, cuda and webgpu fall back to cpu, anything else refused at start', () => {
  assert.deepEqual(executionProviders(loadConfig({}).inference.executionProvider), ['cpu']);
  assert.deepEqual(executionProviders(loadConfig({ CORREMBED_EXECUTION_PROVIDER: 'cuda' }).inference.executionProvider), ['cuda', 'cpu']);
  assert.throws(
    () => loadConfig({ CORREMBED_EXECUTION_PROVIDER: 'tpu' }),
    /CORREMBED_EXECUTION_PROVIDER must be "cpu", "cuda" or "webgpu" \(got "tpu"\)/,
  );
});

test('settings the lower layers once read for themselves are parsed and refused at start, one line each', () => {
  const config = loadConfig({
    CORREMBED_NATIVE_BLAS: 'false',
    CORREMBED_S3_ENDPOINT: 'http://127.0.0.1:9000',
    AWS_DEFAULT_REGION: 'eu-west-3',
  });
  assert.deepEqual(config.native.blas, { allowed: false, coreType: 'auto' });
  assert.deepEqual(config.storage.s3, { region: 'eu-west-3', endpoint: 'http://127.0.0.1:9000' });
  const bad: [Record<string, string>, string][] = [
    [{ CORREMBED_NATIVE_BLAS: 'maybe' }, 'configuration: CORREMBED_NATIVE_BLAS must be true or false (got "maybe")'],
    [{ CORREMBED_NATIVE_SIMD: '2' }, 'configuration: CORREMBED_NATIVE_SIMD must be true or false (got "2")'],
    [
      { CORREMBED_OPENBLAS_CORETYPE: 'Has well' },
      'configuration: CORREMBED_OPENBLAS_CORETYPE must be auto, inherit or an OpenBLAS core name (got "Has well")',
    ],
    [{ CORREMBED_S3_ENDPOINT: 'minio:9000' }, 'configuration: CORREMBED_S3_ENDPOINT must be an http(s):// URL (got "minio:9000")'],
    [{ CORREMBED_WORKERS: 'x' }, 'configuration: CORREMBED_WORKERS must be an integer from 1 to 256 (got "x")'],
  ];
  for (const [env, message] of bad)
    assert.throws(
      () => loadConfig(env),
      (error: Error) => error instanceof ConfigError && error.message === message,
    );
  // Secrets are never echoed.
  assert.throws(
    () => loadConfig({ CORREMBED_ADMIN_KEY: 'short-secret' }),
    (error: Error) => !error.message.includes('short-secret'),
  );
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db' }),
    (error: Error) => !error.message.includes('hunter2'),
  );
});

test('corrembed serve with a bad value exits at start with one line, before opening anything', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'corrembed-config-'));
  try {
    const result = spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/corrembed.js'), 'serve'], {
      env: { ...process.env, CORREMBED_EXECUTION_PROVIDER: 'bogus', CORREMBED_DATA_DIR: dataDir, DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.notEqual(result.status, 0);
    assert.equal(
      result.stderr.trim(),
      'corrembed serve: configuration: CORREMBED_EXECUTION_PROVIDER must be "cpu", "cuda" or "webgpu" (got "bogus")',
    );
    assert.deepEqual(readdirSync(dataDir), [], 'nothing was opened or created');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('docs/configuration.md is what the schema generates', () => {
  const committed = readFileSync(join(process.cwd(), 'docs/configuration.md'), 'utf8');
  assert.ok(committed === configurationDoc(), `docs/configuration.md is stale: run ${REGENERATE_COMMAND}`);
});

test('the client commands read their section alone: URL and key, defaults from PORT and the admin key', () => {
  assert.deepEqual(loadClientConfig({ PORT: '5000', CORREMBED_ADMIN_KEY: 'a'.repeat(16), CORREMBED_WORKERS: 'x' }), {
    url: 'http://localhost:5000/graphql',
    key: 'a'.repeat(16),
  });
  assert.deepEqual(loadClientConfig({ CORREMBED_URL: 'https://corrembed.example.com/graphql', CORREMBED_API_KEY: 'k' }), {
    url: 'https://corrembed.example.com/graphql',
    key: 'k',
  });
  assert.throws(
    () => loadClientConfig({ CORREMBED_URL: 'corrembed.example.com' }),
    /^ConfigError: configuration: CORREMBED_URL must be an http\(s\):\/\/ URL/,
  );
});
