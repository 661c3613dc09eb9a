// What a function container opens once per cold start and reuses while warm: the database and the services over it.
import { DatasetService } from '../catalog/datasetService.js';
import { ModelService } from '../catalog/modelService.js';
import { ConfigError, loadConfig, type PlatformConfig } from '../config.js';
import { applyConfig } from '../config/applyConfig.js';
import { openDatabase, type Database } from '../db/database.js';
import { resolveDatabaseUrl } from '../db/databaseSecret.js';
import { EmbeddingCache } from '../embedding/embeddingCache.js';
import { credentialFreeLog } from '../api/callerRedaction.js';

export interface FunctionRuntime {
  config: PlatformConfig;
  db: Database;
  datasets: DatasetService;
  models: ModelService;
  cache: EmbeddingCache;
}

const log = credentialFreeLog((line: string): void => console.error(`[corrembed] ${line}`));

/** A container serves one invocation at a time: two connections, so a thousand containers stay within a server's limits. */
const FUNCTION_POOL_SIZE = 2;

let runtime: Promise<FunctionRuntime> | null = null;

async function open(): Promise<FunctionRuntime> {
  const config = loadConfig();
  applyConfig(config);
  const databaseUrl = await resolveDatabaseUrl(config);
  if (databaseUrl === undefined) throw new ConfigError('DATABASE_URL', 'must be set for functions (or DATABASE_SECRET_ARN)');
  const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, log, poolSize: config.poolSize ?? FUNCTION_POOL_SIZE });
  return {
    config,
    db,
    datasets: new DatasetService(db.prisma, config.inputSafety.manifestRoots),
    models: new ModelService(db.prisma, config.inputSafety.manifestRoots),
    cache: new EmbeddingCache(db.pool),
  };
}

/** The container's runtime, opened by the first invocation (a failed open is retried by the next one). */
export function functionRuntime(): Promise<FunctionRuntime> {
  if (!runtime) {
    runtime = open();
    runtime.catch(() => (runtime = null));
  }
  return runtime;
}

/** Closes the runtime (a local function host's shutdown, tests). */
export async function closeFunctionRuntime(): Promise<void> {
  const current = runtime;
  runtime = null;
  if (current) await (await current.catch(() => null))?.db.close();
}
