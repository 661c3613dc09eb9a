// A tiny S3-compatible HTTP server for tests and benchmarks (AWS itself cannot be reached): path-style GET, HEAD and PUT, in memory.
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  bytes: Buffer;
  etag: string;
  /** Sent without Content-Length (chunked), so a size limit must hold while streaming. */
  chunked: boolean;
}

interface Failure {
  status: number;
  code: string;
  message: string;
}

export interface S3Host {
  /** http://127.0.0.1:port, for CORREMBED_S3_ENDPOINT. */
  endpoint: string;
  put(bucket: string, key: string, bytes: Uint8Array, options?: { chunked?: boolean }): void;
  /** Answers requests for this object with an S3 error (e.g. 403 AccessDenied). */
  fail(bucket: string, key: string, status: number, code: string, message?: string): void;
  /** Sends this object's headers and first byte, then nothing more. */
  stall(bucket: string, key: string): void;
  /** Every request received, as "METHOD /bucket/key". */
  readonly requests: string[];
  /** The object's bytes (put here or by a client's PUT), or undefined. */
  get(bucket: string, key: string): Buffer | undefined;
  /** Bytes received by PUT and sent by GET. */
  readonly traffic: { bytesPut: number; bytesGot: number };
  close(): Promise<void>;
}

function sendError(res: ServerResponse, head: boolean, { status, code, message }: Failure, resource: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource}</Resource><RequestId>test</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'test' });
  res.end(head ? undefined : body);
}

export async function startS3Host(): Promise<S3Host> {
  const objects = new Map<string, StoredObject>();
  const failures = new Map<string, Failure>();
  const stalled = new Set<string>();
  const requests: string[] = [];
  const traffic = { bytesPut: 0, bytesGot: 0 };
  const store = (name: string, bytes: Buffer, chunked: boolean): StoredObject => {
    const object = { bytes, etag: `"${createHash('md5').update(bytes).digest('hex')}"`, chunked };
    objects.set(name, object);
    return object;
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
    const head = req.method === 'HEAD';
    requests.push(`${req.method} ${path}`);
    const name = path.slice(1);
    const object = objects.get(name);
    const failure = failures.get(name);
    if (failure) {
      req.resume();
      return sendError(res, head, failure, path);
    }
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const stored = store(name, Buffer.concat(chunks), false);
        traffic.bytesPut += stored.bytes.length;
        res.writeHead(200, { etag: stored.etag, 'x-amz-request-id': 'test' });
        res.end();
      });
      return;
    }
    if (req.method !== 'GET' && !head)
      return sendError(res, head, { status: 405, code: 'MethodNotAllowed', message: 'Only GET, HEAD and PUT' }, path);
    if (!object) return sendError(res, head, { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' }, path);
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== object.etag)
      return sendError(
        res,
        head,
        { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' },
        path,
      );
    const headers = {
      etag: object.etag,
      'content-type': 'application/octet-stream',
      ...(object.chunked ? {} : { 'content-length': String(object.bytes.length) }),
    };
    res.writeHead(200, headers);
    if (head) res.end();
    else if (stalled.has(name)) res.write(object.bytes.subarray(0, 1));
    else {
      traffic.bytesGot += object.bytes.length;
      res.end(object.bytes);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    put(bucket, key, bytes, options = {}) {
      store(`${bucket}/${key}`, Buffer.from(bytes), options.chunked ?? false);
    },
    get: (bucket, key) => objects.get(`${bucket}/${key}`)?.bytes,
    traffic,
    fail(bucket, key, status, code, message = code) {
      failures.set(`${bucket}/${key}`, { status, code, message });
    },
    stall(bucket, key) {
      stalled.add(`${bucket}/${key}`);
    },
    requests,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
