// Opens the platform's database: DATABASE_URL's server or an embedded PostgreSQL, migrated, behind a Prisma client.
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { DeadClientPool } from './deadClientPool.js';
import { startEmbeddedServer } from './embeddedServer.js';
import { applyMigrations } from './migrations.js';
import { refuseNulText } from './textGuard.js';
import { describeDatabase, ensureDatabase, withDatabase } from './serverDatabase.js';

export interface Database {
  prisma: PrismaClient;
  /** The pg pool under Prisma (for LISTEN/NOTIFY and bulk SQL). */
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A postgresql:// URL; unset starts an embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  /** Folder of the embedded PostgreSQL (kept across restarts). */
  dataDir: string;
  log?: (line: string) => void;
  /** Connections in the pool (default 10; a function container needs a couple, a service more). */
  poolSize?: number;
}

/** The embedded cluster's database for the platform. */
const EMBEDDED_DATABASE = 'corrembed';

/** Connects to a URL's database (creating it when missing and allowed), applies pending migrations, and wraps it in Prisma. */
async function connect(
  url: string,
  embedded: boolean,
  log: (line: string) => void,
  poolSize: number,
  stop: () => Promise<void>,
): Promise<Database> {
  if (await ensureDatabase(url)) log(`database: created ${describeDatabase(url)}`);
  const pool: pg.Pool = new DeadClientPool({ connectionString: url, max: poolSize });
  pool.on('error', (error) => log(`database: idle connection error: ${error.message}`));
  try {
    await applyMigrations(pool, { log });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const prisma = refuseNulText(new PrismaClient({ adapter: new PrismaPg(pool) }));
  let closed: Promise<void> | undefined;
  const close = async () => {
    try {
      await prisma.$disconnect();
    } finally {
      try {
        await pool.end();
      } finally {
        await stop();
      }
    }
  };
  return { prisma, pool, url, embedded, close: () => (closed ??= close()) };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const log = options.log ?? (() => undefined);
  const poolSize = options.poolSize ?? 10;
  if (options.databaseUrl !== undefined) return connect(options.databaseUrl, false, log, poolSize, async () => undefined);
  const server = await startEmbeddedServer(options.dataDir, log);
  try {
    return await connect(withDatabase(server.url, EMBEDDED_DATABASE), true, log, poolSize, () => server.stop());
  } catch (error) {
    await server.stop();
    throw error;
  }
}
