// Database errors that a later try can get past (server restarting, connection dropped), and retrying through them with backoff.

/** Prisma's codes for an unreachable server, a closed connection, timeouts and an exhausted pool. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** @prisma/adapter-pg's error kinds for the same. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** Socket errors of node-postgres. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** SQLSTATEs: admin_shutdown, crash_shutdown, cannot_connect_now (starting up / shutting down), too_many_connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres reports a connection lost mid-query by message only. */
const MESSAGES = /Connection terminated|Client has encountered a connection error|Connection ended unexpectedly/i;

/**
 * Whether `error` (a Prisma error, a driver-adapter error, a pg error, or one wrapping them) says the database could not
 * be reached or dropped the connection, rather than refusing the statement. SQLSTATE class 08 (connection exception) too.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code, kind, message, meta, cause } = current as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: unknown };
      cause?: unknown;
    };
    if (
      typeof code === 'string' &&
      (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
    )
      return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    current = meta?.driverAdapterError ?? cause;
  }
  return false;
}

/** The last line of an error's message (Prisma's first lines name the call, the last one says what happened). */
export function lastLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n').pop() ?? '';
}

export interface RetryOptions {
  /** Named in the log line. */
  what: string;
  /** Checked before each wait: when true, the error is thrown instead (shutting down). */
  stopped?: () => boolean;
  log?: (line: string) => void;
}

const FIRST_DELAY_MS = 100;
const LONGEST_DELAY_MS = 5000;

/**
 * Runs `work` until it succeeds or fails with an error that is not transient; transient failures are retried, without
 * a limit, after a jittered exponential backoff (100 ms doubling to 5 s): a database outage delays the work, never fails it.
 */
export async function retryTransient<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientDatabaseError(error) || options.stopped?.()) throw error;
      if (attempt === 1 || attempt % 20 === 0) options.log?.(`${options.what}: database unavailable (${lastLine(error)}); retrying`);
      const delay = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
