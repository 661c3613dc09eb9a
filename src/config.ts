// Platform configuration: parsed once from the environment at start-up; bad values fail loudly at boot.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UserInputError } from './errors.js';

export type ExecutorKind = 'local';

export interface PlatformConfig {
  /** HTTP and WebSocket port (0 picks a free one). */
  port: number;
  /** PostgreSQL URL; unset starts an embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** Folder for local state (the embedded database). */
  dataDir: string;
  /** Admin API key; unset generates one at first start (stored hashed, printed once). */
  adminKey: string | undefined;
  /** Whether queries need a key too (mutations always do). */
  publicQueries: boolean;
  executor: ExecutorKind;
  /** Worker threads of the local executor. */
  workers: number;
  /** Images per embedding batch. */
  batchSize: number;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const executor = env.CORREMBED_EXECUTOR ?? 'local';
  if (executor !== 'local') throw new ConfigError('CORREMBED_EXECUTOR', `must be "local" (got "${executor}")`);
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
    executor,
    workers: integer(env, 'CORREMBED_WORKERS', availableParallelism(), 1, 256),
    batchSize: integer(env, 'CORREMBED_BATCH_SIZE', 32, 1, 1024),
  };
}
