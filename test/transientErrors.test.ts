// Which database errors count as transient (the shapes Prisma, its pg adapter and node-postgres gave during a real restart), and retrying them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTransientDatabaseError, retryTransient } from '../src/db/transientErrors.js';
import { UserInputError } from '../src/errors.js';

/** A Prisma known-request error as the client throws it with @prisma/adapter-pg (only the fields read). */
const prismaError = (code: string, cause: Record<string, unknown>) =>
  Object.assign(new Error('Invalid `prisma.run.findMany()` invocation'), {
    code,
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
const adapterError = (cause: Record<string, unknown>) =>
  Object.assign(new Error(String(cause.message ?? cause.kind)), { name: 'DriverAdapterError', cause });

test('connection losses and an unreachable or restarting server are transient', () => {
  for (const error of [
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' }),
    adapterError({ kind: 'postgres', code: '57P03', message: 'the database system is shutting down' }),
    prismaError('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }),
    prismaError('P1017', { kind: 'ConnectionClosed' }),
    prismaError('P2010', { kind: 'postgres', code: '57P03', message: 'the database system is starting up' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('connection failure'), { code: '08006' }),
    new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }),
  ]) {
    assert.equal(isTransientDatabaseError(error), true, error.message);
  }
});

test('errors about the statement or the input are not', () => {
  for (const error of [
    prismaError('P2002', { kind: 'UniqueConstraintViolation' }),
    prismaError('P2010', { kind: 'UnsupportedNativeDataType', type: 'void' }),
    Object.assign(new Error('syntax error'), { code: '42601' }),
    new UserInputError('dataset "x" not found', 'NOT_FOUND'),
    new Error('embed worker crashed: embed worker exited with code 70'),
    'a string',
    null,
  ]) {
    assert.equal(isTransientDatabaseError(error), false, String(error));
  }
});

test('retryTransient retries transient failures until the work succeeds, and throws anything else or when stopped', async () => {
  let calls = 0;
  const value = await retryTransient(
    async () => {
      if (++calls < 3) throw new Error('Connection terminated unexpectedly');
      return 'done';
    },
    { what: 'test' },
  );
  assert.deepEqual([value, calls], ['done', 3]);
  await assert.rejects(
    retryTransient(
      async () => {
        throw new Error('not a connection problem');
      },
      { what: 'test' },
    ),
    /not a connection problem/,
  );
  await assert.rejects(
    retryTransient(
      async () => {
        throw new Error('Connection terminated unexpectedly');
      },
      { what: 'test', stopped: () => true },
    ),
    /Connection terminated/,
  );
});
