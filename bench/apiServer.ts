// A real `corrembed serve` child process on a fresh database for the API benchmarks, with GraphQL helpers for seeding it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { graphql, type Endpoint } from '../src/cli/graphqlClient.js';
import { DATA_DIR, REPO_ROOT } from './benchData.js';
import { processCpuSeconds } from './fanoutProbe.js';

export const ADMIN_KEY = 'ce_bench_admin_key_0123456789';

export interface BenchServer {
  endpoint: Endpoint;
  /** The benchmarked database's Prisma client (for reading runs' finishedAt). */
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  query<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** CPU seconds the server process has used so far (every thread). */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/**
 * Starts `node dist/src/cli/corrembed.js serve` (queries public, the default) on `port`, resolving once it listens.
 * Rate limits are off (the load comes from one client IP) and the bench's data folder and demo/ are the data roots.
 */
export async function startBenchServer(port: number, env: Record<string, string> = {}): Promise<BenchServer> {
  const db = await createTestDatabase();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist', 'src', 'cli', 'corrembed.js'), 'serve', '--port', String(port)],
    {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        CORREMBED_ADMIN_KEY: ADMIN_KEY,
        CORREMBED_PUBLIC_QUERIES: 'true',
        CORREMBED_RATE_LIMIT_PER_MINUTE: '0',
        CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
        CORREMBED_DATA_ROOTS: [DATA_DIR, join(REPO_ROOT, 'demo')].join(','),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`corrembed serve exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('GraphQL API')) resolve();
    });
  });
  const endpoint: Endpoint = { url: `http://127.0.0.1:${port}/graphql`, key: ADMIN_KEY };
  return {
    endpoint,
    db,
    query: (query, variables) => graphql(endpoint, query, variables),
    cpuSeconds: () => processCpuSeconds(child.pid!),
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await db.close();
    },
  };
}
