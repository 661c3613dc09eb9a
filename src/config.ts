// Platform configuration: the environment parsed once at start by config/schema.ts into the slices each layer is handed; bad values fail at boot.
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentSchema, type Settings } from './config/schema.js';
import { ConfigError } from './errors.js';
import type { LambdaConfig } from './executors/lambdaExecutor.js';
import type { NativeImagingSettings } from './imaging/nativeImaging.js';
import type { ExecutionProviderName } from './inference/executionProviders.js';
import type { ModelCaps } from './inference/modelCaps.js';
import type { NativeBlasSettings } from './linalg/nativeAddon.js';
import type { S3Settings } from './storage/storageSettings.js';

export type ExecutorKind = 'local' | 'lambda' | 'gpu';
export type { LambdaConfig };

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

/** How embedding sessions run. */
export interface InferenceConfig {
  executionProvider: ExecutionProviderName;
}

/** Where s3:// objects come from, where downloaded model files are kept, and where embedding shards are written. */
export interface StorageConfig {
  s3: S3Settings;
  modelCacheDir: string;
  /** A folder or s3://bucket[/prefix] (CORREMBED_VECTOR_STORE). */
  vectorStore: string;
}

/** The optional native addons: whether each is used and how. */
export interface NativeCodeConfig {
  blas: NativeBlasSettings;
  imaging: NativeImagingSettings;
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
  /** Set when executor is 'lambda' or 'gpu' (then gpuEndpoint is the GPU pool's). */
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
  /** Most models of one recipe embedded together over a batch's images. */
  modelsPerBatch: number;
  api: ApiSecurityConfig;
  inputSafety: InputSafetyConfig;
  native: NativeCodeConfig;
  inference: InferenceConfig;
  storage: StorageConfig;
}

/** The repository's folder (dist/src/config.js is two levels below it). */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Every variable of config/schema.ts parsed and checked; the first bad one throws a ConfigError naming it. */
export function parseEnvironment(env: NodeJS.ProcessEnv): Settings {
  // An empty variable counts as unset.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new ConfigError(String(issue.path[0]), issue.message);
}

/** What the client commands read (CORREMBED_URL, CORREMBED_API_KEY, CORREMBED_ADMIN_KEY, PORT), checked by the same schema. */
export interface ClientConfig {
  url: string;
  key: string | undefined;
}

/** The client commands' settings alone: a server-side setting they never use cannot stop them. */
export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const names = ['CORREMBED_URL', 'CORREMBED_API_KEY', 'CORREMBED_ADMIN_KEY', 'PORT'] as const;
  const { CORREMBED_URL, CORREMBED_API_KEY, CORREMBED_ADMIN_KEY, PORT } = parseEnvironment(
    Object.fromEntries(names.map((name) => [name, env[name]])),
  );
  return { url: CORREMBED_URL ?? `http://localhost:${PORT}/graphql`, key: CORREMBED_API_KEY ?? CORREMBED_ADMIN_KEY };
}

function required(value: string | undefined, name: string, reason: string): string {
  if (value === undefined || value.trim() === '') throw new ConfigError(name, `must be set ${reason}`);
  return value.trim();
}

/** The Invoke settings of the `lambda` and `gpu` executors (`gpu`: embed calls to the GPU pool, the function host's `embed`). */
function lambdaConfig(settings: Settings, executor: 'lambda' | 'gpu'): LambdaConfig {
  const reason = `when CORREMBED_EXECUTOR is "${executor}"`;
  return {
    embedFunction:
      executor === 'gpu'
        ? (settings.CORREMBED_EMBED_FUNCTION ?? 'embed')
        : required(settings.CORREMBED_EMBED_FUNCTION, 'CORREMBED_EMBED_FUNCTION', reason),
    aggregateFunction: required(settings.CORREMBED_AGGREGATE_FUNCTION, 'CORREMBED_AGGREGATE_FUNCTION', reason),
    region: awsRegion(settings),
    endpoint: settings.CORREMBED_LAMBDA_ENDPOINT,
    gpuEndpoint: executor === 'gpu' ? required(settings.CORREMBED_GPU_ENDPOINT, 'CORREMBED_GPU_ENDPOINT', reason) : undefined,
    concurrency: settings.CORREMBED_LAMBDA_CONCURRENCY,
    shards: settings.CORREMBED_AGGREGATE_SHARDS,
    timeoutMs: settings.CORREMBED_LAMBDA_TIMEOUT_MS,
    maxAttempts: settings.CORREMBED_LAMBDA_MAX_ATTEMPTS,
  };
}

function awsRegion(settings: Settings): string {
  return settings.AWS_REGION ?? settings.AWS_DEFAULT_REGION ?? 'us-east-1';
}

function apiSecurityConfig(settings: Settings): ApiSecurityConfig {
  const production = settings.NODE_ENV === 'production';
  return {
    rateLimitPerMinute: settings.CORREMBED_RATE_LIMIT_PER_MINUTE,
    anonymousRateLimitPerMinute: settings.CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    maxBodyBytes: settings.CORREMBED_MAX_BODY_BYTES,
    maxDocumentChars: settings.CORREMBED_MAX_DOCUMENT_CHARS,
    maxTokens: settings.CORREMBED_MAX_TOKENS,
    maxDepth: settings.CORREMBED_MAX_DEPTH,
    maxAliases: settings.CORREMBED_MAX_ALIASES,
    maxDirectives: settings.CORREMBED_MAX_DIRECTIVES,
    maxCost: settings.CORREMBED_MAX_COST,
    introspection: settings.CORREMBED_INTROSPECTION ?? !production,
    hideSuggestions: production,
    trustedProxyHops: settings.CORREMBED_TRUSTED_PROXY_HOPS,
    corsOrigins: settings.CORREMBED_CORS_ORIGINS ?? [],
  };
}

function inputSafetyConfig(settings: Settings, dataDir: string): InputSafetyConfig {
  const roots = settings.CORREMBED_DATA_ROOTS?.map((root) => (root.startsWith('s3://') ? root : resolve(root)));
  return {
    manifestRoots: roots ?? [dataDir, resolve(PACKAGE_DIR, 'demo'), resolve(PACKAGE_DIR, 'models')],
    allowPrivateUrls: settings.CORREMBED_ALLOW_PRIVATE_URLS,
    urlAllowHosts: settings.CORREMBED_URL_ALLOW_HOSTS ?? [],
    maxOnnxBytes: settings.CORREMBED_MAX_ONNX_BYTES,
    maxManifestBytes: settings.CORREMBED_MAX_MANIFEST_BYTES,
    modelCaps: {
      maxEmbeddingDim: settings.CORREMBED_MAX_EMBEDDING_DIM,
      maxLoadBytes: settings.CORREMBED_MAX_MODEL_LOAD_BYTES,
      maxBatchBytes: settings.CORREMBED_MAX_MODEL_BATCH_BYTES,
    },
  };
}

/** The platform's configuration from `env`, every variable checked at once: call it first, before opening anything. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const settings = parseEnvironment(env);
  const executor = settings.CORREMBED_EXECUTOR;
  const dataDir = resolve(settings.CORREMBED_DATA_DIR ?? '.corrembed');
  return {
    port: settings.PORT,
    databaseUrl: settings.DATABASE_URL,
    dataDir,
    adminKey: settings.CORREMBED_ADMIN_KEY,
    publicQueries: settings.CORREMBED_PUBLIC_QUERIES,
    databaseSecretArn: settings.DATABASE_SECRET_ARN,
    databaseHost: settings.DATABASE_HOST,
    executor,
    lambda: executor === 'local' ? undefined : lambdaConfig(settings, executor),
    driveRuns: settings.CORREMBED_DRIVE_RUNS,
    leaseSeconds: settings.CORREMBED_LEASE_SECONDS,
    poolSize: settings.CORREMBED_DB_POOL_SIZE,
    workers: settings.CORREMBED_WORKERS ?? availableParallelism(),
    batchSize: settings.CORREMBED_BATCH_SIZE,
    modelsPerBatch: settings.CORREMBED_MODELS_PER_BATCH,
    api: apiSecurityConfig(settings),
    inputSafety: inputSafetyConfig(settings, dataDir),
    native: {
      blas: { allowed: settings.CORREMBED_NATIVE_BLAS, coreType: settings.CORREMBED_OPENBLAS_CORETYPE ?? 'auto' },
      imaging: { allowed: settings.CORREMBED_NATIVE_IMAGING, vectorCode: settings.CORREMBED_NATIVE_SIMD },
    },
    inference: { executionProvider: settings.CORREMBED_EXECUTION_PROVIDER },
    storage: {
      s3: { region: awsRegion(settings), endpoint: settings.CORREMBED_S3_ENDPOINT },
      modelCacheDir: settings.CORREMBED_MODEL_CACHE_DIR ?? join(tmpdir(), 'corrembed-models'),
      vectorStore: settings.CORREMBED_VECTOR_STORE ?? join(dataDir, 'vectors'),
    },
  };
}
