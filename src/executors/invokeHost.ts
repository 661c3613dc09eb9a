// A Lambda Invoke endpoint on this machine: POST /2015-03-31/functions/{name}/invocations runs the real handlers in-process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FunctionHandler = (event: unknown) => Promise<unknown>;

/**
 * Faults a host can inject into one invocation, as AWS shows them: `throttle` (429 TooManyRequestsException, the
 * handler does not run), `error` (the handler does not run; 200 with X-Amz-Function-Error), `timeout` (the handler
 * runs and its work lands, but the answer comes too late for the caller), `duplicate` (the handler runs twice).
 */
export type Fault = 'throttle' | 'error' | 'timeout' | 'duplicate';

export interface InvokeHostOptions {
  functions: Record<string, FunctionHandler>;
  port?: number;
  host?: string;
  /** Picks a fault (or none) for the n-th invocation (1-based) of a function. */
  fault?: (name: string, n: number) => Fault | null;
  /** How long a `timeout` fault holds the answer back (default 30 s). */
  timeoutDelayMs?: number;
  log?: (line: string) => void;
}

export interface InvokeHost {
  endpoint: string;
  port: number;
  /** Invocations received per function (faulted ones included). */
  invocations: Map<string, number>;
  faults: Record<Fault, number>;
  close(): Promise<void>;
}

const ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?(?:\?.*)?$/;
/** Lambda's own limit on a RequestResponse payload. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { Type: 'User', message }, { 'x-amzn-errortype': type });
}

function functionError(res: ServerResponse, error: unknown): void {
  const body = {
    errorType: error instanceof Error ? error.name : 'Error',
    errorMessage: error instanceof Error ? error.message : String(error),
  };
  send(res, 200, body, { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startInvokeHost(options: InvokeHostOptions): Promise<InvokeHost> {
  const invocations = new Map<string, number>();
  const faults: Record<Fault, number> = { throttle: 0, error: 0, timeout: 0, duplicate: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const log = options.log ?? (() => undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    if (!match) return awsError(res, 404, 'UnknownOperationException', `no route ${req.method} ${req.url}`);
    const name = decodeURIComponent(match[1]).split(':').pop()!;
    const handler = options.functions[name];
    if (!handler) return awsError(res, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    const body = await readBody(req);
    if (body === null)
      return awsError(res, 413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return awsError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const n = (invocations.get(name) ?? 0) + 1;
    invocations.set(name, n);
    const fault = options.fault?.(name, n) ?? null;
    if (fault) faults[fault]++;
    if (fault === 'throttle') return awsError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.');
    if (fault === 'error') return functionError(res, new Error('injected function error'));
    if (req.headers['x-amz-invocation-type'] === 'Event') {
      handler(event).catch((error: Error) => log(`${name} (async): ${error.message}`));
      res.writeHead(202).end();
      return;
    }
    let result: unknown;
    try {
      const runs = fault === 'duplicate' ? [handler(event), handler(event)] : [handler(event)];
      [result] = await Promise.all(runs);
    } catch (error) {
      return functionError(res, error);
    }
    if (fault === 'timeout') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (timers.delete(timer), resolve()), options.timeoutDelayMs ?? 30_000);
        timers.add(timer);
      });
      if (res.destroyed) return;
    }
    send(res, 200, result ?? null, { 'x-amz-executed-version': '$LATEST' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log(`invoke host: ${error.message}`);
      if (!res.headersSent) awsError(res, 500, 'ServiceException', 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    invocations,
    faults,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
