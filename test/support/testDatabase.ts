// For tests: a fresh, uniquely named, migrated database on the test server, dropped again on close.
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../src/db/database.js';
import { dropDatabase, withDatabase } from '../../src/db/serverDatabase.js';

/** The server tests use: DATABASE_URL's, else the machine's PostgreSQL with trust auth. */
export function testServerUrl(): string {
  return process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** A new database name on the test server, e.g. corrembed_test_1a2b3c4d5e6f. */
export function uniqueTestDatabaseUrl(): string {
  return withDatabase(testServerUrl(), `corrembed_test_${randomBytes(6).toString('hex')}`);
}

export async function createTestDatabase(log?: (line: string) => void): Promise<Database> {
  const url = uniqueTestDatabaseUrl();
  const db = await openDatabase({ databaseUrl: url, dataDir: '', log });
  return {
    ...db,
    async close() {
      await db.close();
      await dropDatabase(url);
    },
  };
}
