// The Lambda executor's settings for tests against a local Invoke host: functions "embed" and "aggregate", quick retries.
import type { LambdaConfig } from '../../src/config.js';

export function localLambdaConfig(endpoint: string, overrides: Partial<LambdaConfig> = {}): LambdaConfig {
  return {
    embedFunction: 'embed',
    aggregateFunction: 'aggregate',
    region: 'us-east-1',
    endpoint,
    gpuEndpoint: undefined,
    concurrency: 4,
    shards: 3,
    timeoutMs: 1500,
    maxAttempts: 10,
    ...overrides,
  };
}
