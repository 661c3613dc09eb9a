// Databases on a PostgreSQL server named by URL: create one when missing, drop one, reach the server's maintenance database.
import pg from 'pg';

/** Errors PostgreSQL gives for CREATE DATABASE of a name that exists (or is being created concurrently). */
const ALREADY_EXISTS = new Set(['42P04', '23505']);
const UNKNOWN_DATABASE = '3D000';

/** host:port/database, without credentials, for messages. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the URL's database unless it exists; returns whether it did. Fails clearly when the server does not allow it. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  try {
    await withClient(url, async () => undefined);
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== UNKNOWN_DATABASE || name === '') {
      throw new Error(`cannot connect to PostgreSQL at ${describeDatabase(url)}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    await withClient(withDatabase(url, 'postgres'), (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
    return true;
  } catch (error) {
    if (ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) return false;
    throw new Error(`database "${name}" does not exist and could not be created: ${(error as Error).message}`, { cause: error });
  }
}

/** Drops the URL's database, closing other sessions on it (PostgreSQL 13+). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withClient(withDatabase(url, 'postgres'), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}
