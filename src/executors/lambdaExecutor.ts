// The Lambda executor: embed and aggregate tasks as RequestResponse invocations, bounded in flight, retried with backoff.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { UserInputError } from '../errors.js';
import type { EncodedPassResult } from '../metric/aggregateShards.js';
import type { AggregateTask, EmbedResult, EmbedTask, Executor } from './executor.js';
import { Semaphore } from '../semaphore.js';
import { unwrap, type InvocationAnswer } from './invocationEnvelope.js';

/** The settings of the Lambda executor (CORREMBED_EXECUTOR=lambda, or gpu: the same engine with embed calls sent to a GPU pool). */
export interface LambdaConfig {
  embedFunction: string;
  aggregateFunction: string;
  region: string;
  /** Another Invoke endpoint than AWS's (a local function host), for both functions. */
  endpoint: string | undefined;
  /** The GPU pool's Invoke endpoint (CORREMBED_EXECUTOR=gpu): embed calls only, aggregation stays on `endpoint`. */
  gpuEndpoint: string | undefined;
  /** Invocations in flight at once. */
  concurrency: number;
  /** Aggregate invocations per scoring pass. */
  shards: number;
  /** Longest wait for one invocation before it is retried. */
  timeoutMs: number;
  /** Tries per invocation (throttling, function errors, timeouts). */
  maxAttempts: number;
}

/** Lambda refuses RequestResponse payloads over 6 MB; references keep ours at kilobytes. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;

/** Error names of the Invoke API that a later try can succeed after (throttling, capacity, service faults). */
const RETRYABLE = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ServiceException',
  'ResourceNotReadyException',
  'EC2ThrottledException',
  'ENILimitReachedException',
  'SubnetIPAddressLimitReachedException',
  'TimeoutError',
  'AbortError',
]);

/** A try that failed in a way the next try may not: carries the reason for the log and the final error. */
class RetryableInvokeError extends Error {}

export interface InvokeStats {
  invocations: number;
  retries: number;
  throttled: number;
  functionErrors: number;
  timeouts: number;
}

export class LambdaExecutor implements Executor {
  readonly stats: InvokeStats = { invocations: 0, retries: 0, throttled: 0, functionErrors: 0, timeouts: 0 };
  readonly aggregate: Executor['aggregate'];
  private readonly client: LambdaClient;
  /** The GPU pool's client when embed calls go elsewhere than aggregate calls. */
  private readonly embedClient: LambdaClient;
  private readonly slots: Semaphore;
  private closed = false;

  constructor(
    private readonly config: LambdaConfig,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    // The SDK's own retries are off: this class retries, so throttling and function errors share one policy.
    this.client = new LambdaClient({ region: config.region, endpoint: config.endpoint, maxAttempts: 1 });
    this.embedClient = config.gpuEndpoint
      ? new LambdaClient({ region: config.region, endpoint: config.gpuEndpoint, maxAttempts: 1 })
      : this.client;
    this.slots = new Semaphore(config.concurrency);
    this.aggregate = {
      shards: config.shards,
      run: (task: AggregateTask) => this.invoke<EncodedPassResult>(this.client, config.aggregateFunction, task),
    };
  }

  embed(task: EmbedTask): Promise<EmbedResult> {
    return this.invoke<EmbedResult>(this.embedClient, this.config.embedFunction, task);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.destroy();
    this.embedClient.destroy();
  }

  /** One task through `functionName`: retried on throttling, function errors and timeouts with full-jitter backoff. */
  private async invoke<T>(client: LambdaClient, functionName: string, payload: unknown): Promise<T> {
    const body = Buffer.from(JSON.stringify(payload));
    if (body.length > MAX_PAYLOAD_BYTES) throw new Error(`${functionName}: payload of ${body.length} bytes is over Lambda's 6 MB limit`);
    await this.slots.acquire();
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.closed) throw new Error('executor is closed');
        try {
          return unwrap(await this.tryOnce<T>(client, functionName, body));
        } catch (error) {
          if (!(error instanceof RetryableInvokeError) || attempt >= this.config.maxAttempts) {
            if (error instanceof RetryableInvokeError) throw new Error(`${functionName}: gave up after ${attempt} tries: ${error.message}`);
            throw error;
          }
          this.stats.retries++;
          const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
          this.log(`lambda ${functionName}: try ${attempt} failed (${error.message}); retrying in ${Math.round(delay)} ms`);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    } finally {
      this.slots.release();
    }
  }

  private async tryOnce<T>(client: LambdaClient, functionName: string, body: Buffer): Promise<InvocationAnswer<T>> {
    this.stats.invocations++;
    let response;
    try {
      response = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: body }), {
        abortSignal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TooManyRequestsException' || name === 'ThrottlingException') this.stats.throttled++;
      if (name === 'TimeoutError' || name === 'AbortError') this.stats.timeouts++;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const network = !status && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes((error as NodeJS.ErrnoException).code ?? '');
      if (RETRYABLE.has(name) || (status !== undefined && status >= 500) || network)
        throw new RetryableInvokeError(`${name}: ${(error as Error).message}`);
      if (name === 'ResourceNotFoundException')
        throw new UserInputError(
          `lambda function "${functionName}" not found (check CORREMBED_EMBED_FUNCTION / CORREMBED_AGGREGATE_FUNCTION)`,
        );
      throw error;
    }
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    if (response.FunctionError) {
      this.stats.functionErrors++;
      let message = text;
      try {
        message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
      } catch {
        // not JSON: keep the raw text
      }
      throw new RetryableInvokeError(`function error (${response.FunctionError}): ${message.slice(0, 500)}`);
    }
    try {
      return JSON.parse(text) as InvocationAnswer<T>;
    } catch {
      throw new RetryableInvokeError(`answer is not JSON: ${text.slice(0, 200)}`);
    }
  }
}
