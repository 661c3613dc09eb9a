// A pg.Pool that takes back a checked-out client whose connection died, so a PostgreSQL restart cannot leave the pool full.
import pg from 'pg';

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * Prisma's client engine does not release a transaction's client when its COMMIT or ROLLBACK fails, which is what
 * happens to every transaction open when PostgreSQL goes away: each one kept a slot of the pool, and once all were
 * kept, every later query waited forever (no timer, no socket). Here a client checked out with `connect()` is handed
 * back, and so destroyed, as soon as its connection ends or fails; a release by its owner after that does nothing.
 * Clients that pool.query() checks out are released by pg-pool itself, so callback-style connects are left as they are.
 */
export class DeadClientPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    return super.connect().then(releaseWhenDead);
  }
}

function releaseWhenDead(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  let released = false;
  const onDeath = (error?: Error) => handBack(error ?? new Error('connection ended while checked out'));
  const handBack = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    client.removeListener('error', onDeath);
    client.removeListener('end', onDeath);
    release(error);
  };
  client.on('error', onDeath);
  client.on('end', onDeath);
  client.release = handBack;
  return client;
}
