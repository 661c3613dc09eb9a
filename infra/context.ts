// Reads the CDK context (`-c key=value` or cdk.json) into settings overrides, rejecting malformed values.
import type { DatabaseFlavour, FunctionSettings, SettingsOverrides } from './settings.js';

/** Looks a context key up; the App's `node.tryGetContext` in practice. */
export type ContextReader = (key: string) => unknown;

function number(read: ContextReader, key: string): number | undefined {
  const raw = read(key);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`context ${key}: expected a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

function integer(read: ContextReader, key: string): number | undefined {
  const value = number(read, key);
  if (value !== undefined && !Number.isInteger(value)) throw new Error(`context ${key}: expected an integer, got ${value}`);
  return value;
}

function count(read: ContextReader, key: string): number | undefined {
  const raw = read(key);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`context ${key}: expected a whole number, got ${JSON.stringify(raw)}`);
  return value;
}

function optionalFlag(read: ContextReader, key: string): boolean | undefined {
  const raw = read(key);
  if (raw === undefined || raw === '') return undefined;
  if (raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`context ${key}: expected true or false, got ${JSON.stringify(raw)}`);
}

function flag(read: ContextReader, key: string): boolean {
  return optionalFlag(read, key) ?? false;
}

function text(read: ContextReader, key: string): string | undefined {
  const raw = read(key);
  return raw === undefined || raw === '' ? undefined : String(raw);
}

function flavour(read: ContextReader): DatabaseFlavour | undefined {
  const raw = text(read, 'database');
  if (raw === undefined || raw === 'instance' || raw === 'aurora') return raw;
  throw new Error(`context database: expected "instance" or "aurora", got ${JSON.stringify(raw)}`);
}

function lambda(read: ContextReader, prefix: string): Partial<FunctionSettings> {
  return {
    memoryMiB: integer(read, `${prefix}Memory`),
    timeoutSeconds: integer(read, `${prefix}Timeout`),
    reservedConcurrency: integer(read, `${prefix}Concurrency`),
  };
}

export function overridesFromContext(read: ContextReader): SettingsOverrides {
  return {
    embed: { ...lambda(read, 'embed'), ephemeralStorageMiB: integer(read, 'embedStorage') },
    aggregate: lambda(read, 'aggregate'),
    api: { memoryMiB: integer(read, 'apiMemory') },
    database: {
      flavour: flavour(read),
      instanceType: text(read, 'dbInstanceType'),
      minCapacity: number(read, 'dbMinCapacity'),
      maxCapacity: number(read, 'dbMaxCapacity'),
      proxy: optionalFlag(read, 'dbProxy'),
      deletionProtection: optionalFlag(read, 'dbDeletionProtection'),
    },
    service: {
      cpu: integer(read, 'serviceCpu'),
      memoryMiB: integer(read, 'serviceMemory'),
      desiredCount: integer(read, 'serviceCount'),
      certificateArn: text(read, 'certificateArn'),
      httpTrial: flag(read, 'httpTrial'),
    },
    lambdaConcurrency: integer(read, 'lambdaConcurrency'),
    aggregateShards: integer(read, 'aggregateShards'),
    corsOrigins: text(read, 'corsOrigins'),
    gpu: flag(read, 'gpu') && {
      instanceType: text(read, 'gpuInstanceType'),
      desiredCount: count(read, 'gpuDesiredCount'),
      maxInstances: integer(read, 'gpuMaxInstances'),
    },
  };
}
