// Platform configuration: parsed once from the environment at start-up; bad values fail loudly at boot.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UserInputError } from './errors.js';

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
}

export interface PlatformConfig {
  /** HTTP and WebSocket port (0 picks a free one). */
  port: number;
  /** PostgreSQL URL; unset (and no databaseSecretArn) starts an embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** Secrets Manager secret holding the database's host, port, username, password and dbname (AWS deployments). */
  databaseSecretArn: string | undefined;
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
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
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
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const executor = env.CORREMBED_EXECUTOR || 'local';
  if (executor !== 'local' && executor !== 'lambda') throw new ConfigError('CORREMBED_EXECUTOR', `must be "local" or "lambda" (got "${executor}")`);
  const lambda = executor === 'lambda' ? lambdaConfig(env) : undefined;
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  const adminKey = env.CORREMBED_ADMIN_KEY || undefined;
  if (adminKey !== undefined && adminKey.length < 16) throw new ConfigError('CORREMBED_ADMIN_KEY', 'must be at least 16 characters');
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: resolve(env.CORREMBED_DATA_DIR ?? '.corrembed'),
    adminKey,
    publicQueries: flag(env, 'CORREMBED_PUBLIC_QUERIES', true),
    databaseSecretArn: env.DATABASE_SECRET_ARN || undefined,
    executor,
    lambda,
    driveRuns: flag(env, 'CORREMBED_DRIVE_RUNS', true),
    leaseSeconds: integer(env, 'CORREMBED_LEASE_SECONDS', 60, 1, 3600),
    poolSize: env.CORREMBED_DB_POOL_SIZE ? integer(env, 'CORREMBED_DB_POOL_SIZE', 10, 1, 1000) : undefined,
    workers: integer(env, 'CORREMBED_WORKERS', availableParallelism(), 1, 256),
    batchSize: integer(env, 'CORREMBED_BATCH_SIZE', 32, 1, 1024),
    api: apiSecurityConfig(env),
  };
}
