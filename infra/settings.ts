// The stack's knobs with their defaults: Lambda sizes, database flavour, service size and the optional GPU pool.

export interface FunctionSettings {
  memoryMiB: number;
  timeoutSeconds: number;
  /** Reserved concurrency; undefined leaves the function on the account's unreserved pool. */
  reservedConcurrency?: number;
  /** /tmp size; embed downloads models there. */
  ephemeralStorageMiB: number;
}

export type DatabaseFlavour = 'instance' | 'aurora';

export interface DatabaseSettings {
  flavour: DatabaseFlavour;
  /** RDS instance type for flavour "instance", e.g. t4g.micro. */
  instanceType: string;
  /** Aurora Serverless v2 capacity range in ACUs for flavour "aurora". */
  minCapacity: number;
  maxCapacity: number;
  /**
   * An RDS Proxy in front of the database, which every workload connects through: it holds the database's
   * connections under a cap and queues clients beyond it (a t4g.micro allows about 80; 64 embed calls with 2
   * connections each, the shards, the api function and the service would ask for more).
   */
  proxy: boolean;
  /** CloudFormation refuses to delete the database while on. */
  deletionProtection: boolean;
}

export interface ServiceSettings {
  cpu: number;
  memoryMiB: number;
  desiredCount: number;
  /** An ACM certificate for the public load balancer: HTTPS and WSS, with HTTP redirected. */
  certificateArn?: string;
  /** Plain HTTP on the public load balancer, allowed only when asked for (a trial without a domain). */
  httpTrial?: boolean;
}

export interface GpuSettings {
  instanceType: string;
  /** Function-host tasks, one GPU each. */
  desiredCount: number;
  maxInstances: number;
}

export interface CorrEmbedSettings {
  embed: FunctionSettings;
  aggregate: FunctionSettings;
  api: FunctionSettings;
  database: DatabaseSettings;
  service: ServiceSettings;
  /** CORREMBED_LAMBDA_CONCURRENCY: embed invocations the service keeps in flight. */
  lambdaConcurrency: number;
  /** CORREMBED_AGGREGATE_SHARDS; undefined lets the application choose. */
  aggregateShards?: number;
  /** The GPU pool; undefined means none. */
  gpu?: GpuSettings;
  /** CORREMBED_CORS_ORIGINS of the api function and the service (comma-separated); undefined: same origin only. */
  corsOrigins?: string;
}

/** What a caller may override: every group partially, the GPU pool by `true` (defaults) or its settings. */
export interface SettingsOverrides {
  embed?: Partial<FunctionSettings>;
  aggregate?: Partial<FunctionSettings>;
  api?: Partial<FunctionSettings>;
  database?: Partial<DatabaseSettings>;
  service?: Partial<ServiceSettings>;
  lambdaConcurrency?: number;
  aggregateShards?: number;
  gpu?: boolean | Partial<GpuSettings>;
  corsOrigins?: string;
}

const DEFAULTS = {
  embed: { memoryMiB: 3008, timeoutSeconds: 300, ephemeralStorageMiB: 2048 },
  aggregate: { memoryMiB: 2048, timeoutSeconds: 300, ephemeralStorageMiB: 512 },
  // HTTP API integrations time out at 30 s, so the api function gets just under that.
  api: { memoryMiB: 1024, timeoutSeconds: 29, ephemeralStorageMiB: 512 },
  database: { flavour: 'instance', instanceType: 't4g.micro', minCapacity: 0.5, maxCapacity: 4, proxy: true, deletionProtection: true },
  service: { cpu: 1024, memoryMiB: 2048, desiredCount: 1 },
  lambdaConcurrency: 64,
  gpu: { instanceType: 'g5.xlarge', desiredCount: 1, maxInstances: 2 },
} as const satisfies Omit<CorrEmbedSettings, 'gpu'> & { gpu: GpuSettings };

/** The defaults with every defined override on top (an undefined override keeps the default). */
function merge<T extends object>(defaults: T, overrides: Partial<T> = {}): T {
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(defined) };
}

export function resolveSettings(overrides: SettingsOverrides = {}): CorrEmbedSettings {
  const gpu = overrides.gpu;
  return {
    embed: merge<FunctionSettings>(DEFAULTS.embed, overrides.embed),
    aggregate: merge<FunctionSettings>(DEFAULTS.aggregate, overrides.aggregate),
    api: merge<FunctionSettings>(DEFAULTS.api, overrides.api),
    database: merge<DatabaseSettings>(DEFAULTS.database, overrides.database),
    service: merge<ServiceSettings>(DEFAULTS.service, overrides.service),
    lambdaConcurrency: overrides.lambdaConcurrency ?? DEFAULTS.lambdaConcurrency,
    aggregateShards: overrides.aggregateShards,
    gpu: gpu === undefined || gpu === false ? undefined : merge<GpuSettings>(DEFAULTS.gpu, gpu === true ? {} : gpu),
    corsOrigins: overrides.corsOrigins,
  };
}

/** The CORS setting of the workloads that answer browsers (the api function and the service). */
export function corsEnvironment(settings: CorrEmbedSettings): Record<string, string> {
  return settings.corsOrigins === undefined ? {} : { CORREMBED_CORS_ORIGINS: settings.corsOrigins };
}
