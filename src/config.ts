// Platform configuration: parsed once from the environment at start-up; bad values fail loudly at boot.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from './errors.js';
import { isS3Uri, parseS3Uri } from './storage/s3Uri.js';

export type ExecutorKind = 'local' | 'lambda';

/** The Lambda executor's settings (CORREMBED_EXECUTOR=lambda). */
export interface LambdaConfig {
  embedFunction: string;
  aggregateFunction: string;
  region: string;
  /** Another Invoke endpoint than AWS's (a local function host), for both functions. */
  endpoint: string | undefined;
  /** An Invoke endpoint for embed calls only (a GPU pool serving the same contract); aggregation stays on `endpoint`. */
  embedEndpoint: string | undefined;
  /** Invocations in flight at once. */
  concurrency: number;
  /** Aggregate invocations per scoring pass. */
  shards: number;
  /** Longest wait for one invocation before it is retried. */
  timeoutMs: number;
  /** Tries per invocation (throttling, function errors, timeouts). */
  maxAttempts: number;
}

/** The API's protections (see README, The GraphQL API). Rate limits are token buckets kept in each process. */
export interface ApiSecurityConfig {
  /** Operations per minute per API key (its burst too), unless the key has its own limit; 0: unlimited. */
  rateLimitPerMinute: number;
  /** Operations per minute per client IP for callers without a valid key; 0: unlimited. */
  anonymousRateLimitPerMinute: number;
  /** Largest request body (JSON over HTTP, a message over WebSocket, a Lambda event body). */
  maxBodyBytes: number;
  /** Largest GraphQL document in characters, checked before it is parsed. */
  maxDocumentChars: number;
  /** Most lexical tokens in a document (the parser stops there). */
  maxTokens: number;
  /** Deepest field nesting of an operation. */
  maxDepth: number;
  /** Most aliases in an operation. */
  maxAliases: number;
  /** Most directives in an operation. */
  maxDirectives: number;
  /** Highest cost of an operation (graphql-armor's cost model: objects 2, scalars 1, times 1.5 per level). */
  maxCost: number;
  /** Whether schema introspection is answered. */
  introspection: boolean;
  /** Whether "Did you mean ...?" field suggestions are removed from error messages (production). */
  hideSuggestions: boolean;
  /** Reverse proxies in front of the server whose X-Forwarded-For entries are trusted for the client IP. */
  trustedProxyHops: number;
  /** Origins (scheme://host[:port]) whose browser scripts may call the API; empty: the server's own origin only. */
  corsOrigins: string[];
}

/** Limits on what users hand the platform: where manifests may live, which URLs are fetched, how large files may be. */
export interface InputSafetyConfig {
  /** Folders (absolute, as given) and s3://bucket/prefix URIs under which API-given manifest paths must lie. */
  manifestRoots: string[];
  /** Whether http(s) images may be fetched from private, loopback, link-local and other non-public addresses. */
  allowPrivateUrls: boolean;
  /** Hosts (`name` or `name:port`, lowercase) fetched whatever address they resolve to. */
  urlAllowHosts: string[];
  /** Largest .onnx file read or downloaded. */
  maxOnnxBytes: number;
  /** Largest JSON file (dataset or model manifest, options) read. */
  maxManifestBytes: number;
  /** What a model may demand (see inference/modelCaps.ts). */
  modelCaps: ModelCaps;
}

/** Caps a model cannot exceed, measured when it is loaded. */
export interface ModelCaps {
  /** Widest embedding (floats per image). */
  maxEmbeddingDim: number;
  /** Most memory a model's session may take when it is created (weights, constants folded at load). */
  maxLoadBytes: number;
  /** Most memory one inference run may take; larger batches are run in parts that fit. */
  maxBatchBytes: number;
}

export interface PlatformConfig {
  /** HTTP and WebSocket port (0 picks a free one). */
  port: number;
  /** PostgreSQL URL; unset (and no databaseSecretArn) starts an embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** Secrets Manager secret holding the database's host, port, username, password and dbname (AWS deployments). */
  databaseSecretArn: string | undefined;
  /** Another host than the secret's for the same database (an RDS Proxy endpoint). */
  databaseHost: string | undefined;
  /** Folder for local state (the embedded database). */
  dataDir: string;
  /** Admin API key; unset generates one at first start (stored hashed, printed once). */
  adminKey: string | undefined;
  /** Whether queries need a key too (mutations always do). */
  publicQueries: boolean;
  executor: ExecutorKind;
  /** Set when executor is 'lambda'. */
  lambda: LambdaConfig | undefined;
  /** Whether this process works on runs (false: it only records them; another process drives them). */
  driveRuns: boolean;
  /** How long a claimed batch stays a process's without renewal; a killed process's batches are taken over after it. */
  leaseSeconds: number;
  /** PostgreSQL connections per process (functions default to 2: a thousand containers must not exhaust the server). */
  poolSize: number | undefined;
  /** Worker threads of the local executor. */
  workers: number;
  /** Images per embedding batch. */
  batchSize: number;
  api: ApiSecurityConfig;
  inputSafety: InputSafetyConfig;
}

export class ConfigError extends UserInputError {
  constructor(variable: string, problem: string) {
    super(`configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function required(env: NodeJS.ProcessEnv, name: string, reason: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') throw new ConfigError(name, `must be set ${reason}`);
  return raw.trim();
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name] || undefined;
  if (raw !== undefined && !/^https?:\/\/[^/]/.test(raw)) throw new ConfigError(name, `must be an http(s):// URL (got "${raw}")`);
  return raw;
}

/** The repository's folder (dist/src/config.js is two levels below it). */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** V8's longest string (2^29 - 24 characters): a larger JSON file could not even be decoded. */
const MAX_JSON_TEXT = 2 ** 29 - 24;

function list(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function manifestRoots(env: NodeJS.ProcessEnv, dataDir: string): string[] {
  const given = list(env, 'CORREMBED_DATA_ROOTS');
  if (given === undefined) return [dataDir, resolve(PACKAGE_DIR, 'demo'), resolve(PACKAGE_DIR, 'models')];
  return given.map((root) => {
    if (!isS3Uri(root)) return resolve(root);
    const uri = root.endsWith('/') ? root : `${root}/`;
    try {
      parseS3Uri(`${uri}x`);
    } catch {
      throw new ConfigError('CORREMBED_DATA_ROOTS', `has a malformed S3 root "${root}" (expected s3://bucket/ or s3://bucket/prefix/)`);
    }
    return uri;
  });
}

function hostList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (list(env, name) ?? []).map((host) => {
    if (/[/?#@\s]/.test(host) || !URL.canParse(`http://${host}/`))
      throw new ConfigError(name, `has a malformed host "${host}" (expected name or name:port)`);
    return host.toLowerCase();
  });
}

/** The input-safety settings alone (commands and workers read them without the rest of the configuration). */
export function loadInputSafety(
  env: NodeJS.ProcessEnv = process.env,
  dataDir = resolve(env.CORREMBED_DATA_DIR ?? '.corrembed'),
): InputSafetyConfig {
  return {
    manifestRoots: manifestRoots(env, dataDir),
    allowPrivateUrls: flag(env, 'CORREMBED_ALLOW_PRIVATE_URLS', false),
    urlAllowHosts: hostList(env, 'CORREMBED_URL_ALLOW_HOSTS'),
    maxOnnxBytes: integer(env, 'CORREMBED_MAX_ONNX_BYTES', 2 * 1024 ** 3, 1, 2 * 1024 ** 3),
    maxManifestBytes: integer(env, 'CORREMBED_MAX_MANIFEST_BYTES', 500 * 1024 ** 2, 1, MAX_JSON_TEXT),
    modelCaps: {
      maxEmbeddingDim: integer(env, 'CORREMBED_MAX_EMBEDDING_DIM', 16_384, 1, 1_000_000),
      maxLoadBytes: integer(env, 'CORREMBED_MAX_MODEL_LOAD_BYTES', 6 * 1024 ** 3, 1024 ** 2, 1024 ** 4),
      maxBatchBytes: integer(env, 'CORREMBED_MAX_MODEL_BATCH_BYTES', 2 * 1024 ** 3, 1024 ** 2, 1024 ** 4),
    },
  };
}

/** Whether scoring may use the native OpenBLAS kernel when it is built (CORREMBED_NATIVE_BLAS; false: onnxruntime). */
export function nativeBlasAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return flag(env, 'CORREMBED_NATIVE_BLAS', true);
}

/** Whether preprocessing may use the native PIL resampler when it is built (CORREMBED_NATIVE_IMAGING; false: JavaScript). */
export function nativeImagingAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return flag(env, 'CORREMBED_NATIVE_IMAGING', true);
}

/** Whether the native resampler may use its AVX2 code where the CPU has it (CORREMBED_NATIVE_SIMD; false: portable C, same bytes). */
export function nativeSimdAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return flag(env, 'CORREMBED_NATIVE_SIMD', true);
}

/**
 * Which CPU kernels the native addon's OpenBLAS runs (CORREMBED_OPENBLAS_CORETYPE): `auto` (default) lets OpenBLAS
 * detect the CPU, setting aside OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE inherited from the environment (often pinned
 * for other programs: Haswell kernels on an AVX-512 machine run SGEMM at 0.6 of its speed); `inherit` keeps them; any
 * other value is an OpenBLAS core name (Haswell, SkylakeX, Cooperlake, Zen, ...).
 */
export function openBlasCoreType(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.CORREMBED_OPENBLAS_CORETYPE;
  if (raw === undefined || raw === '') return 'auto';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(raw))
    throw new ConfigError('CORREMBED_OPENBLAS_CORETYPE', `must be auto, inherit or an OpenBLAS core name (got "${raw}")`);
  return raw;
}

let processInputSafety: InputSafetyConfig | undefined;

/** This process's input-safety settings from process.env, read once (loadConfig has already refused bad values at boot). */
export function inputSafety(): InputSafetyConfig {
  return (processInputSafety ??= loadInputSafety());
}

function lambdaConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  return {
    embedFunction: required(env, 'CORREMBED_EMBED_FUNCTION', 'when CORREMBED_EXECUTOR is "lambda"'),
    aggregateFunction: required(env, 'CORREMBED_AGGREGATE_FUNCTION', 'when CORREMBED_EXECUTOR is "lambda"'),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: httpUrl(env, 'CORREMBED_LAMBDA_ENDPOINT'),
    embedEndpoint: httpUrl(env, 'CORREMBED_EMBED_ENDPOINT'),
    concurrency: integer(env, 'CORREMBED_LAMBDA_CONCURRENCY', 64, 1, 10_000),
    shards: integer(env, 'CORREMBED_AGGREGATE_SHARDS', 16, 1, 1024),
    timeoutMs: integer(env, 'CORREMBED_LAMBDA_TIMEOUT_MS', 905_000, 100, 3_600_000),
    maxAttempts: integer(env, 'CORREMBED_LAMBDA_MAX_ATTEMPTS', 8, 1, 100),
  };
}

/** A comma-separated list of web origins, each exactly as a browser sends it in Origin (no path, no trailing slash). */
function originList(env: NodeJS.ProcessEnv, name: string): string[] {
  const origins = (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(name, `"${origin}" is not an origin: give scheme://host[:port], for example http://localhost:5173`);
    }
  }
  return origins;
}

function apiSecurityConfig(env: NodeJS.ProcessEnv): ApiSecurityConfig {
  const production = env.NODE_ENV === 'production';
  return {
    rateLimitPerMinute: integer(env, 'CORREMBED_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    anonymousRateLimitPerMinute: integer(env, 'CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE', 120, 0, 1_000_000),
    maxBodyBytes: integer(env, 'CORREMBED_MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    maxDocumentChars: integer(env, 'CORREMBED_MAX_DOCUMENT_CHARS', 20_000, 100, 10_000_000),
    maxTokens: integer(env, 'CORREMBED_MAX_TOKENS', 2000, 50, 1_000_000),
    maxDepth: integer(env, 'CORREMBED_MAX_DEPTH', 10, 2, 100),
    maxAliases: integer(env, 'CORREMBED_MAX_ALIASES', 15, 0, 1000),
    maxDirectives: integer(env, 'CORREMBED_MAX_DIRECTIVES', 10, 0, 1000),
    maxCost: integer(env, 'CORREMBED_MAX_COST', 5000, 10, 10_000_000),
    introspection: flag(env, 'CORREMBED_INTROSPECTION', !production),
    hideSuggestions: production,
    trustedProxyHops: integer(env, 'CORREMBED_TRUSTED_PROXY_HOPS', 0, 0, 10),
    corsOrigins: originList(env, 'CORREMBED_CORS_ORIGINS'),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const executor = env.CORREMBED_EXECUTOR || 'local';
  if (executor !== 'local' && executor !== 'lambda')
    throw new ConfigError('CORREMBED_EXECUTOR', `must be "local" or "lambda" (got "${executor}")`);
  const lambda = executor === 'lambda' ? lambdaConfig(env) : undefined;
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  const adminKey = env.CORREMBED_ADMIN_KEY || undefined;
  const dataDir = resolve(env.CORREMBED_DATA_DIR ?? '.corrembed');
  if (adminKey !== undefined && adminKey.length < 16) throw new ConfigError('CORREMBED_ADMIN_KEY', 'must be at least 16 characters');
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir,
    adminKey,
    publicQueries: flag(env, 'CORREMBED_PUBLIC_QUERIES', true),
    databaseSecretArn: env.DATABASE_SECRET_ARN || undefined,
    databaseHost: env.DATABASE_HOST || undefined,
    executor,
    lambda,
    driveRuns: flag(env, 'CORREMBED_DRIVE_RUNS', true),
    leaseSeconds: integer(env, 'CORREMBED_LEASE_SECONDS', 60, 1, 3600),
    poolSize: env.CORREMBED_DB_POOL_SIZE ? integer(env, 'CORREMBED_DB_POOL_SIZE', 10, 1, 1000) : undefined,
    workers: integer(env, 'CORREMBED_WORKERS', availableParallelism(), 1, 256),
    batchSize: integer(env, 'CORREMBED_BATCH_SIZE', 32, 1, 1024),
    api: apiSecurityConfig(env),
    inputSafety: loadInputSafety(env, dataDir),
  };
}
