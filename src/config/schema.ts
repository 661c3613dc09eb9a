// Every environment variable the platform reads: its section, rule, default and description (docs/configuration.md is generated from it).
import { z } from 'zod';
import { EXECUTION_PROVIDERS } from '../inference/executionProviders.js';
import { DEFAULT_MODEL_CAPS } from '../inference/modelCaps.js';
import { DEFAULT_FILE_LIMITS } from '../storage/fileLimits.js';
import { isS3Uri, parseS3Uri } from '../storage/s3Uri.js';
import { choice, flag, integer, list, text, type Variable } from './variables.js';

/** V8's longest string (2^29 - 24 characters): a larger JSON file could not even be decoded. */
const MAX_JSON_TEXT = 2 ** 29 - 24;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const HTTP_URL = /^https?:\/\/[^/]/;

function s3Root(root: string): { value: string } | { problem: string } {
  if (!isS3Uri(root)) return { value: root };
  const uri = root.endsWith('/') ? root : `${root}/`;
  try {
    parseS3Uri(`${uri}x`);
  } catch {
    return { problem: `has a malformed S3 root "${root}" (expected s3://bucket/ or s3://bucket/prefix/)` };
  }
  return { value: uri };
}

function host(value: string): { value: string } | { problem: string } {
  if (/[/?#@\s]/.test(value) || !URL.canParse(`http://${value}/`))
    return { problem: `has a malformed host "${value}" (expected name or name:port)` };
  return { value: value.toLowerCase() };
}

/** An origin exactly as a browser sends it in Origin: a path, a trailing slash or a wildcard would never match. */
function origin(value: string): { value: string } | { problem: string } {
  const parsed = URL.canParse(value) ? new URL(value) : null;
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== value)
    return { problem: `"${value}" is not an origin: give scheme://host[:port], for example http://localhost:5173` };
  return { value };
}

export const VARIABLES = {
  PORT: integer(
    0,
    65535,
    { section: 'server', description: 'HTTP and WebSocket port (`corrembed serve --port` too); `0` picks a free one' },
    4000,
  ),
  NODE_ENV: text({
    section: 'server',
    fallback: 'unset',
    description:
      '`production`: introspection off unless `CORREMBED_INTROSPECTION=true`, and no "Did you mean ...?" field suggestions in errors',
  }),
  CORREMBED_DATA_DIR: text({
    section: 'server',
    fallback: '`.corrembed`',
    description: 'local state: the embedded PostgreSQL cluster, the demo models',
  }),
  CORREMBED_ADMIN_KEY: text(
    {
      section: 'server',
      fallback: 'generated once',
      description: 'the admin API key (stored hashed); once revoked, the server refuses to start with it until it changes',
    },
    'at least 16 characters',
    /^.{16,}$/s,
    true,
  ),
  CORREMBED_PUBLIC_QUERIES: flag(
    { section: 'server', description: '`false`: queries and subscriptions need a key with the `read` scope too' },
    true,
  ),

  DATABASE_URL: text(
    {
      section: 'database',
      fallback: 'unset: embedded PostgreSQL',
      description: '`postgresql://user@host:port/db`; the database is created when missing, migrations are applied at start',
    },
    'a postgresql:// URL',
    /^postgres(ql)?:\/\//,
    true,
  ),
  DATABASE_SECRET_ARN: text({
    section: 'database',
    fallback: 'unset',
    description:
      'instead of `DATABASE_URL` (AWS): a Secrets Manager secret with `host`, `port`, `username`, `password`, `dbname`; TLS required',
  }),
  DATABASE_HOST: text({
    section: 'database',
    fallback: "the secret's `host`",
    description: 'with `DATABASE_SECRET_ARN`: connect to this host instead (an RDS Proxy endpoint)',
  }),
  CORREMBED_DB_POOL_SIZE: integer(1, 1000, {
    section: 'database',
    fallback: '10 (functions: 2)',
    description: 'PostgreSQL connections per process',
  }),

  CORREMBED_EXECUTOR: choice(['local', 'lambda', 'gpu'], {
    section: 'executor',
    description:
      '`local`: worker threads in this process; `lambda`: embed and aggregate functions through the Lambda Invoke API; `gpu`: embed calls to a pool of GPU containers serving the same Invoke contract (`CORREMBED_GPU_ENDPOINT`), aggregation through Lambda',
  }),
  CORREMBED_WORKERS: integer(1, 256, { section: 'executor', fallback: 'one per core', description: 'worker threads embedding images' }),
  CORREMBED_BATCH_SIZE: integer(
    1,
    1024,
    { section: 'executor', description: 'images per embedding batch (progress is written after each)' },
    32,
  ),
  CORREMBED_MODELS_PER_BATCH: integer(
    1,
    64,
    {
      section: 'executor',
      description:
        "most models of one preprocessing recipe embedded together over a batch's images (each image read and preprocessed once for all of them; a worker or function holds their sessions at once); 1 embeds each model on its own",
    },
    8,
  ),
  CORREMBED_DRIVE_RUNS: flag(
    { section: 'executor', description: '`false`: this process records runs but leaves the work to others (the api function)' },
    true,
  ),
  CORREMBED_LEASE_SECONDS: integer(
    1,
    3600,
    {
      section: 'executor',
      description: "a claimed batch's lease (renewed every third of it); a dead process's batches are taken over after it",
    },
    60,
  ),

  CORREMBED_EMBED_FUNCTION: text({
    section: 'lambda',
    fallback: 'required with `lambda`; `embed` with `gpu`',
    description: 'the embed function: a name or an ARN',
  }),
  CORREMBED_AGGREGATE_FUNCTION: text({
    section: 'lambda',
    fallback: 'required with `lambda` and `gpu`',
    description: 'the aggregate function: a name or an ARN',
  }),
  CORREMBED_LAMBDA_ENDPOINT: text(
    { section: 'lambda', fallback: 'AWS', description: 'another Invoke endpoint for both functions (e.g. `corrembed function-host`)' },
    'an http(s):// URL',
    HTTP_URL,
  ),
  CORREMBED_GPU_ENDPOINT: text(
    {
      section: 'lambda',
      fallback: 'required with `gpu`',
      description: "the GPU pool's Invoke endpoint (`corrembed function-host` in GPU containers): embed calls only",
    },
    'an http(s):// URL',
    HTTP_URL,
  ),
  CORREMBED_LAMBDA_CONCURRENCY: integer(1, 10_000, { section: 'lambda', description: 'invocations in flight per process' }, 64),
  CORREMBED_AGGREGATE_SHARDS: integer(1, 1024, { section: 'lambda', description: 'aggregate invocations per scoring pass' }, 16),
  CORREMBED_LAMBDA_TIMEOUT_MS: integer(
    100,
    3_600_000,
    { section: 'lambda', description: "longest wait for one invocation before it is retried (Lambda's own limit is 900 s)" },
    905_000,
  ),
  CORREMBED_LAMBDA_MAX_ATTEMPTS: integer(
    1,
    100,
    {
      section: 'lambda',
      description: 'tries per invocation on throttling, function errors and timeouts (full-jitter exponential backoff)',
    },
    8,
  ),

  CORREMBED_RATE_LIMIT_PER_MINUTE: integer(
    0,
    1_000_000,
    {
      section: 'api',
      description: 'operations per minute per API key (also its burst), unless the key has its own limit; `0`: unlimited. Per process',
    },
    600,
  ),
  CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE: integer(
    0,
    1_000_000,
    { section: 'api', description: 'the same per client IP, for callers without a valid key; `0`: unlimited' },
    120,
  ),
  CORREMBED_CORS_ORIGINS: list(
    {
      section: 'api',
      fallback: '(none)',
      description:
        "comma-separated origins (`scheme://host[:port]`) whose browser pages may call the API and open its WebSocket; none: the server's own origin only ([CORS](api.md#browsers-on-another-origin-cors))",
    },
    'comma-separated origins',
    origin,
  ),
  CORREMBED_TRUSTED_PROXY_HOPS: integer(
    0,
    10,
    {
      section: 'api',
      description:
        "reverse proxies in front of the server whose `X-Forwarded-For` entries name the client IP (`1` behind one load balancer); `0`: the socket's peer",
    },
    0,
  ),
  CORREMBED_MAX_BODY_BYTES: integer(
    1024,
    100 * MIB,
    {
      section: 'api',
      description: 'largest request body: HTTP JSON (413), WebSocket message (the socket closes with 1009), api function event (413)',
    },
    MIB,
  ),
  CORREMBED_MAX_DOCUMENT_CHARS: integer(
    100,
    10_000_000,
    { section: 'api', description: 'largest GraphQL document, checked before it is parsed (413 `DOCUMENT_TOO_LARGE`)' },
    20_000,
  ),
  CORREMBED_MAX_TOKENS: integer(
    50,
    1_000_000,
    { section: 'api', description: 'most lexical tokens in a document; the parser stops there' },
    2000,
  ),
  CORREMBED_MAX_DEPTH: integer(
    2,
    100,
    { section: 'api', description: "deepest field nesting of an operation (the schema's deepest useful query has 6)" },
    10,
  ),
  CORREMBED_MAX_ALIASES: integer(0, 1000, { section: 'api', description: 'most aliases in an operation' }, 15),
  CORREMBED_MAX_DIRECTIVES: integer(0, 1000, { section: 'api', description: 'most directives in an operation' }, 10),
  CORREMBED_MAX_COST: integer(
    10,
    10_000_000,
    {
      section: 'api',
      description:
        "highest cost of an operation in graphql-armor's model (object 2, scalar 1, times 1.5 per level; the largest query in [graphql.md](graphql.md) costs about 90)",
    },
    5000,
  ),
  CORREMBED_INTROSPECTION: flag({
    section: 'api',
    fallback: '`true`; `false` when `NODE_ENV=production`',
    description: 'whether schema introspection (`__schema`, `__type`) is answered',
  }),

  CORREMBED_DATA_ROOTS: list(
    {
      section: 'inputSafety',
      fallback: 'the data dir, `demo/`, `models/`',
      description:
        'comma-separated folders and `s3://bucket/prefix/` URIs: where manifests named through the API may lie (and the `s3://` images and model files they name); see [Input safety](input-safety.md)',
    },
    'comma-separated folders and s3:// URIs',
    s3Root,
  ),
  CORREMBED_ALLOW_PRIVATE_URLS: flag(
    {
      section: 'inputSafety',
      description: '`true`: http(s) images may come from loopback, private, link-local and other non-public addresses',
    },
    false,
  ),
  CORREMBED_URL_ALLOW_HOSTS: list(
    {
      section: 'inputSafety',
      fallback: 'unset',
      description: 'comma-separated hosts (`name` or `name:port`) fetched whatever address they resolve to (an internal image server)',
    },
    'comma-separated hosts',
    host,
  ),
  CORREMBED_MAX_ONNX_BYTES: integer(
    1,
    2 * GIB,
    { section: 'inputSafety', description: 'largest `.onnx` file read or downloaded from S3, its external data files included' },
    DEFAULT_FILE_LIMITS.maxOnnxBytes,
  ),
  CORREMBED_MAX_MANIFEST_BYTES: integer(
    1,
    MAX_JSON_TEXT,
    { section: 'inputSafety', description: "largest JSON file (dataset or model manifest, options) read; at most V8's longest string" },
    DEFAULT_FILE_LIMITS.maxManifestBytes,
  ),
  CORREMBED_MAX_EMBEDDING_DIM: integer(
    1,
    1_000_000,
    { section: 'inputSafety', description: 'widest model output (floats per image), checked from the graph and on the test run at load' },
    DEFAULT_MODEL_CAPS.maxEmbeddingDim,
  ),
  CORREMBED_MAX_MODEL_LOAD_BYTES: integer(
    MIB,
    1024 ** 4,
    { section: 'inputSafety', description: "most memory a model's session may take when it loads (measured)" },
    DEFAULT_MODEL_CAPS.maxLoadBytes,
  ),
  CORREMBED_MAX_MODEL_BATCH_BYTES: integer(
    MIB,
    1024 ** 4,
    {
      section: 'inputSafety',
      description:
        'most memory one inference run may take (measured on the test run at load); larger batches run in parts, a model over it for one image is refused',
    },
    DEFAULT_MODEL_CAPS.maxBatchBytes,
  ),

  CORREMBED_NATIVE_BLAS: flag(
    {
      section: 'native',
      description:
        '`false`: similarity products on onnxruntime even when the optional OpenBLAS addon is built (see [install.md](install.md#optional-native-addons))',
    },
    true,
  ),
  CORREMBED_OPENBLAS_CORETYPE: text(
    {
      section: 'native',
      fallback: '`auto`',
      description:
        "the addon's OpenBLAS kernels: `auto` lets OpenBLAS detect the CPU, setting aside an inherited `OPENBLAS_CORETYPE`/`OPENBLAS_L2_SIZE` (pinned for other programs on some machines: Haswell kernels ran SGEMM at 0.6 of the CPU's own); `inherit` keeps them; or a core name (`Haswell`, `SkylakeX`, `Cooperlake`, `Zen`, ...)",
    },
    'auto, inherit or an OpenBLAS core name',
    /^[A-Za-z][A-Za-z0-9_]{0,31}$/,
  ),
  CORREMBED_NATIVE_IMAGING: flag(
    {
      section: 'native',
      description:
        '`false`: JPEG decoding by sharp and resampling in JavaScript even when the optional `native/pil-imaging` addon is built (the same tensors, more CPU)',
    },
    true,
  ),
  CORREMBED_NATIVE_SIMD: flag(
    {
      section: 'native',
      description:
        "`false`: the `native/pil-imaging` resampler's portable C instead of its AVX2 code (the same tensors; the portable code is what ARM CPUs run)",
    },
    true,
  ),
  UV_THREADPOOL_SIZE: integer(1, 1024, {
    section: 'native',
    fallback: "`4` (Node's)",
    description:
      'read by Node itself: threads that read and decode images for every embed worker of the process (sharp and the native addon run there): set it to the number of cores on machines with more than 4',
  }),
  MALLOC_ARENA_MAX: integer(1, 1024, {
    section: 'native',
    fallback: "8 per core (glibc's)",
    description:
      "read by glibc when the process starts: malloc arenas, each keeping memory its threads freed; `2` (the container image's setting) took a six-model run's peak RSS from 1,636 to 1,132 MiB at the same speed (see [performance.md](performance.md#many-models-in-one-run))",
  }),

  CORREMBED_EXECUTION_PROVIDER: choice(EXECUTION_PROVIDERS, {
    section: 'inference',
    description:
      'onnxruntime provider for embedding: `cpu`, `cuda` (GPU builds) or `webgpu`; GPU providers fall back to the CPU for operators they lack',
  }),

  AWS_REGION: text({
    section: 'storage',
    fallback: '`AWS_DEFAULT_REGION`, else `us-east-1`',
    description: "region of the functions and the bucket; credentials come from the AWS SDK's usual chain",
  }),
  AWS_DEFAULT_REGION: text({ section: 'storage', fallback: 'unset', description: 'the region when `AWS_REGION` is unset' }),
  CORREMBED_S3_ENDPOINT: text(
    { section: 'storage', fallback: 'AWS', description: 'another S3 endpoint (path-style) for `s3://` images, manifests and models' },
    'an http(s):// URL',
    HTTP_URL,
  ),
  CORREMBED_VECTOR_STORE: text(
    {
      section: 'storage',
      fallback: '`<data dir>/vectors`',
      description:
        'where embedding vectors are kept: a folder, or `s3://bucket/prefix` (shared by the server and the functions in AWS); each embed batch writes one float16 `.npy` file per model, and PostgreSQL records only which image hashes each file holds',
    },
    'a folder or s3://bucket[/prefix]',
    /^(?![sS]3:\/\/).+$|^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/,
  ),
  CORREMBED_MODEL_CACHE_DIR: text({
    section: 'storage',
    fallback: '`$TMPDIR/corrembed-models`',
    description: 'where `s3://` model files are downloaded (once per ETag)',
  }),

  CORREMBED_URL: text(
    {
      section: 'client',
      fallback: '`http://localhost:$PORT/graphql`',
      description: 'the server the client commands (`evaluate`, `leaderboard`, ...) call',
    },
    'an http(s):// URL',
    HTTP_URL,
  ),
  CORREMBED_API_KEY: text({
    section: 'client',
    fallback: '`CORREMBED_ADMIN_KEY`',
    description: 'the API key the client commands send (`--key` too)',
  }),
  CORREMBED_DEBUG: flag({ section: 'client', description: "`true`: an internal error's stack trace is printed too" }, false),
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof VARIABLES;

/** The variables' values, parsed and checked (defaults applied where they are fixed). */
export type Settings = { [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

/** The zod schema of the whole environment (unknown variables are ignored). */
export const environmentSchema = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.schema])) as {
    [K in VariableName]: (typeof VARIABLES)[K]['schema'];
  },
);
