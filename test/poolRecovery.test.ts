// Transactions cut by a PostgreSQL restart give their pool slots back: the next query after the restart is answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { openDatabase } from '../src/db/database.js';
import { startEmbeddedServer } from '../src/db/embeddedServer.js';
import { withDatabase } from '../src/db/serverDatabase.js';

/** What a promise settled to, or 'still waiting' after `ms` (a query stuck on a full pool never settles). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  return Promise.race([promise, sleep(ms, 'still waiting' as const, { ref: false })]);
}

test('a pool whose every client was in a transaction when PostgreSQL stopped answers again once it is back', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-pool-'));
  let server = await startEmbeddedServer(join(dir, 'pg'));
  const port = Number(new URL(server.url).port);
  const db = await openDatabase({ databaseUrl: withDatabase(server.url, 'corrembed'), dataDir: dir, poolSize: 2 });
  try {
    const inTransaction = () =>
      db.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await sleep(1500);
        await tx.$queryRaw`SELECT 2`;
      });
    const transactions = [inTransaction(), inTransaction()].map((t) =>
      t.then(
        () => 'committed',
        (error: Error) => error.message,
      ),
    );
    await sleep(500);
    await server.stop(); // both transactions lose their connections mid-way, so their ROLLBACKs fail too
    for (const outcome of await Promise.all(transactions)) assert.match(outcome, /connection|terminat/i);
    server = await startEmbeddedServer(join(dir, 'pg'), () => undefined, { port });

    const answer = await within(db.prisma.$queryRaw<{ n: number }[]>`SELECT 3::int AS n`, 20_000);
    assert.deepEqual(answer, [{ n: 3 }], 'the pool has free slots after the restart');
    assert.equal(db.pool.waitingCount, 0);
  } finally {
    await within(db.close(), 10_000); // a pool with kept clients would wait for them forever
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
