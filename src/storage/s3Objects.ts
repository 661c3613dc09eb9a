// Reads S3 objects within size and time limits, and writes whole ones, with one lazily created S3Client per thread; failures are UserInputErrors.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { UserInputError } from '../errors.js';
import { type S3Settings, s3Settings } from './storageSettings.js';
import { parseS3Uri } from './s3Uri.js';

let client: S3Client | undefined;
let clientSettings: S3Settings | undefined;

/** The thread's S3 client, created at first use from its settings; credentials come from the SDK's default chain. */
export function s3Client(): S3Client {
  if (client && clientSettings !== s3Settings()) resetS3Client();
  if (!client) {
    clientSettings = s3Settings();
    const { region, endpoint } = clientSettings;
    // Checksums only where S3 requires them: shard writes are whole buffers, verified by their content-derived keys.
    client = new S3Client({
      region,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    });
  }
  return client;
}

/** Replaces the thread's client (tests); without one, the next use creates a fresh client from the settings. */
export function resetS3Client(replacement?: S3Client): void {
  client?.destroy();
  client = replacement;
  clientSettings = s3Settings();
}

export interface S3ReadLimits {
  /** Largest object accepted, in bytes. */
  maxBytes: number;
  /** Longest wait, request to last byte, in milliseconds. */
  timeoutMs: number;
  /** What the object is, to start each error message (default "object"). */
  what?: string;
}

export interface S3ObjectInfo {
  etag: string;
  size: number;
}

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** message with any credential from the environment blanked out. */
function redact(message: string): string {
  return CREDENTIAL_VARIABLES.reduce((text, name) => {
    const secret = process.env[name];
    return secret ? text.split(secret).join('***') : text;
  }, message);
}

function failure(label: string, error: unknown, timedOut: boolean, timeoutMs: number, verb: 'fetch' | 'write'): UserInputError {
  if (error instanceof UserInputError) return error;
  if (timedOut) return new UserInputError(`${label}: no complete answer within ${timeoutMs} ms`);
  const { name, message, $metadata } = error as Partial<S3ServiceException>;
  const status = $metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new UserInputError(`${label}: not found`, 'NOT_FOUND');
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return new UserInputError(`${label}: access denied`);
  const detail = [name, message].filter((part) => part && part !== 'UnknownError').join(': ');
  return new UserInputError(`${label}: cannot ${verb} (${redact(detail || 'unknown error')})`);
}

const label = (uri: string, limits: Pick<S3ReadLimits, 'what'>) => `${limits.what ?? 'object'} ${uri}`;

/** Runs one S3 request under a timeout that aborts it and destroys the body handed to `stopOnTimeout`; errors become UserInputErrors. */
async function withTimeout<T>(
  uri: string,
  limits: Omit<S3ReadLimits, 'maxBytes'>,
  request: (signal: AbortSignal, stopOnTimeout: (body: Readable) => void) => Promise<T>,
  verb: 'fetch' | 'write' = 'fetch',
): Promise<T> {
  const controller = new AbortController();
  let streaming: Readable | undefined;
  const timer = setTimeout(() => {
    controller.abort();
    streaming?.destroy();
  }, limits.timeoutMs);
  try {
    return await request(controller.signal, (body) => (streaming = body));
  } catch (error) {
    throw failure(label(uri, limits), error, controller.signal.aborted, limits.timeoutMs, verb);
  } finally {
    clearTimeout(timer);
  }
}

/** The object's ETag and size, without its body. */
export async function headS3Object(uri: string, limits: S3ReadLimits): Promise<S3ObjectInfo> {
  const { bucket, key } = parseS3Uri(uri);
  return withTimeout(uri, limits, async (abortSignal) => {
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
    return { etag: head.ETag ?? '', size: head.ContentLength ?? 0 };
  });
}

/**
 * Streams the object's body to `write`, chunk by chunk, refusing it once it passes maxBytes (declared or streamed);
 * with ifMatch, only that version (ETag) of the object is read.
 */
export async function pipeS3Object(
  uri: string,
  limits: S3ReadLimits & { ifMatch?: string },
  write: (chunk: Uint8Array) => unknown,
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const tooLarge = () => new UserInputError(`${label(uri, limits)}: larger than the limit of ${limits.maxBytes} bytes`);
  return withTimeout(uri, limits, async (abortSignal, stopOnTimeout) => {
    const command = new GetObjectCommand({ Bucket: bucket, Key: key, ...(limits.ifMatch ? { IfMatch: limits.ifMatch } : {}) });
    const response = await s3Client().send(command, { abortSignal });
    const body = response.Body as Readable | undefined;
    if (!body) return;
    stopOnTimeout(body);
    if ((response.ContentLength ?? 0) > limits.maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    let total = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limits.maxBytes) throw tooLarge();
      await write(chunk);
    }
  });
}

/** The whole object's bytes, within the limits. Errors name the uri: NOT_FOUND, access denied, too large, timeout, cannot fetch. */
export async function readS3Object(uri: string, limits: S3ReadLimits): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await pipeS3Object(uri, limits, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

/**
 * Writes a whole object (replacing any at the key), within the time limit. A failure is the store's, not the
 * caller's input: it is thrown as a plain Error naming the uri, so the work that wrote it is retried.
 */
export async function writeS3Object(uri: string, bytes: Uint8Array, limits: Omit<S3ReadLimits, 'maxBytes'>): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await withTimeout(
      uri,
      limits,
      async (abortSignal) => {
        await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }), {
          abortSignal,
        });
      },
      'write',
    );
  } catch (error) {
    throw new Error((error as Error).message);
  }
}
