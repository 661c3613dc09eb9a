// GraphQL resolvers: thin mappings from the schema onto the services and the Prisma rows they return.
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { UserInputError } from '../errors.js';
import { datasetAccuracyFit } from '../analysis/accuracyFitService.js';
import type { DatasetService } from '../catalog/datasetService.js';
import type { ModelService } from '../catalog/modelService.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { GalleryService } from '../gallery/galleryService.js';
import type { GalleryImage } from '../gallery/imageCatalog.js';
import { leaderboard } from '../runs/leaderboard.js';
import type { LeaderboardCache } from '../runs/leaderboardCache.js';
import type { RunEvents } from '../runs/runEvents.js';
import { isTerminalStatus, type RunService } from '../runs/runService.js';
import { forbidden, unauthenticated } from './apiErrors.js';
import { ApiKeyService, type ApiKeyRow } from './apiKeyService.js';
import { hasScope, type Scope } from './apiKeys.js';
import { AuditLog, type AuditLogRow } from './auditLog.js';
import { importCatalogueResolver } from './catalogueResolvers.js';
import type { ApiContext } from './requestGate.js';

export interface ApiServices {
  prisma: PrismaClient;
  datasets: DatasetService;
  models: ModelService;
  runs: RunService;
  events: RunEvents;
  /** The embedding cache the gallery reads vectors from. */
  cache: EmbeddingCache;
  publicQueries: boolean;
  /** Where run events reach this process from every process (the platform); absent: every query reads the database. */
  leaderboards?: LeaderboardCache;
}

type RunRow = Prisma.RunGetPayload<object>;
type EvaluationRow = Prisma.EvaluationGetPayload<object>;
type ModelRow = Prisma.ModelGetPayload<object>;
type DatasetRow = Prisma.DatasetGetPayload<object>;

function literalValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalValue);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalValue(f.value)]));
    default:
      throw new UserInputError('JSON literals cannot hold variables');
  }
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalValue,
});

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function require(context: ApiContext, scope: Scope): void {
  const { credentials } = context;
  if (credentials.kind === 'rejected') throw unauthenticated('this API key is unknown or revoked');
  if (credentials.kind === 'anonymous') throw unauthenticated();
  if (!hasScope(credentials.caller, scope)) throw forbidden(scope);
}

/** Most audit log entries one query returns. */
const MAX_AUDIT_ENTRIES = 1000;

export function createResolvers(services: ApiServices, log: (line: string) => void) {
  const { prisma, datasets, models, runs, events, cache } = services;
  const apiKeys = new ApiKeyService(prisma);
  const auditLog = new AuditLog(prisma, log);
  const gallery = new GalleryService(prisma, datasets, models, cache);
  /** Queries and subscriptions: public unless configured otherwise, but never with a bad key. */
  const read = (context: ApiContext): void => {
    if (!services.publicQueries || context.credentials.kind === 'rejected') require(context, 'read');
  };
  // A run event wakes every subscriber of the run in one turn of the event loop: their lookups share one query,
  // started after all of them asked (so none gets a row read before it subscribed).
  const waiting = new Map<string, Promise<RunRow | null>>();
  const runById = async (id: string): Promise<RunRow> => {
    let lookup = waiting.get(id);
    if (!lookup) {
      lookup = new Promise((resolve) => setImmediate(resolve)).then(() => {
        waiting.delete(id);
        return prisma.run.findUnique({ where: { id } });
      });
      waiting.set(id, lookup);
    }
    const run = await lookup;
    if (!run) throw new UserInputError(`run "${id}" not found`, 'NOT_FOUND');
    return run;
  };

  return {
    JSON: JSONScalar,
    Query: {
      datasets: (_: unknown, __: unknown, context: ApiContext) => (read(context), datasets.list()),
      dataset: (_: unknown, { id }: { id: string }, context: ApiContext) => (read(context), prisma.dataset.findUnique({ where: { id } })),
      models: (_: unknown, __: unknown, context: ApiContext) => (read(context), models.list()),
      model: (_: unknown, { id }: { id: string }, context: ApiContext) => (read(context), prisma.model.findUnique({ where: { id } })),
      runs: (_: unknown, args: { datasetId?: string; status?: string; limit?: number }, context: ApiContext) => {
        read(context);
        return prisma.run.findMany({
          where: { datasetId: args.datasetId ?? undefined, status: (args.status as RunRow['status']) ?? undefined },
          orderBy: { createdAt: 'desc' },
          take: Math.min(Math.max(args.limit ?? 50, 1), 500),
        });
      },
      run: (_: unknown, { id }: { id: string }, context: ApiContext) => (read(context), prisma.run.findUnique({ where: { id } })),
      leaderboard: async (_: unknown, { datasetId }: { datasetId: string }, context: ApiContext) => {
        read(context);
        if (services.leaderboards) return services.leaderboards.get(datasetId);
        await datasets.get(datasetId);
        return leaderboard(prisma, datasetId);
      },
      accuracyFit: async (_: unknown, { datasetId, threshold, sigmas }: { datasetId: string; threshold?: number | null; sigmas?: number | null }, context: ApiContext) => {
        read(context);
        await datasets.get(datasetId);
        return datasetAccuracyFit(prisma, datasetId, { threshold, sigmas });
      },
      images: (_: unknown, args: { datasetId: string; search?: string | null; limit: number; offset: number }, context: ApiContext) => {
        read(context);
        return gallery.images(args.datasetId, args);
      },
      neighbours: (_: unknown, { imageId, modelId, k }: { imageId: string; modelId: string; k: number }, context: ApiContext) => {
        read(context);
        return gallery.neighbours(imageId, modelId, k);
      },
      projection: (_: unknown, args: { datasetId: string; modelId: string; category?: string | null; limit: number }, context: ApiContext) => {
        read(context);
        return gallery.projection(args.datasetId, args.modelId, args.category ?? null, args.limit);
      },
      apiKeys: (_: unknown, __: unknown, context: ApiContext) => (require(context, 'admin'), apiKeys.list()),
      auditLog: (_: unknown, { limit, keyId }: { limit?: number | null; keyId?: string | null }, context: ApiContext) => {
        require(context, 'admin');
        return auditLog.list(Math.min(Math.max(limit ?? 100, 1), MAX_AUDIT_ENTRIES), keyId);
      },
    },
    Mutation: auditLog.audited({
      importDataset: (_: unknown, { input }: { input: { manifestPath: string; name?: string | null } }, context: ApiContext) => {
        require(context, 'admin');
        return datasets.importDataset({ manifestPath: input.manifestPath, name: input.name ?? undefined });
      },
      importCatalogue: importCatalogueResolver(prisma, datasets.manifestRoots, (context) => require(context, 'admin')),
      registerModel: (_: unknown, { input }: { input: { manifestPath: string } }, context: ApiContext) => {
        require(context, 'admin');
        return models.register(input.manifestPath);
      },
      startEvaluation: (_: unknown, { input }: { input: { datasetId: string; modelIds: string[]; options?: Record<string, unknown> | null } }, context: ApiContext) => {
        require(context, 'evaluate');
        return runs.start(input);
      },
      cancelRun: (_: unknown, { id }: { id: string }, context: ApiContext) => (require(context, 'evaluate'), runs.cancel(id)),
      deleteDataset: async (_: unknown, { id }: { id: string }, context: ApiContext) => {
        require(context, 'admin');
        await datasets.delete(id);
        services.leaderboards?.clear();
        gallery.forget(id);
        return true;
      },
      deleteModel: (_: unknown, { id }: { id: string }, context: ApiContext) => (require(context, 'admin'), models.delete(id)),
      createApiKey: (_: unknown, input: { name: string; scopes: Scope[]; rateLimitPerMinute?: number | null }, context: ApiContext) => {
        require(context, 'admin');
        return apiKeys.create(input);
      },
      revokeApiKey: (_: unknown, { id }: { id: string }, context: ApiContext) => (require(context, 'admin'), apiKeys.revoke(id)),
    }),
    Subscription: {
      runProgress: {
        subscribe: async function* (_: unknown, { runId }: { runId: string }, context: ApiContext) {
          read(context);
          const updates = events.subscribe('progress', runId);
          try {
            let run = await runById(runId);
            yield { runProgress: run };
            while (!isTerminalStatus(run.status)) {
              const next = await updates.next();
              if (next.done) return;
              run = await runById(runId);
              yield { runProgress: run };
            }
          } finally {
            await updates.return?.();
          }
        },
      },
      runCompleted: {
        subscribe: async function* (_: unknown, { runId }: { runId: string }, context: ApiContext) {
          read(context);
          const completions = events.subscribe('completed', runId);
          try {
            let run = await runById(runId);
            while (!isTerminalStatus(run.status)) {
              const next = await completions.next();
              if (next.done) return;
              run = await runById(runId);
            }
            yield { runCompleted: run };
          } finally {
            await completions.return?.();
          }
        },
      },
    },
    ApiKey: {
      createdAt: (k: ApiKeyRow) => iso(k.createdAt),
      lastUsedAt: (k: ApiKeyRow) => iso(k.lastUsedAt),
      revokedAt: (k: ApiKeyRow) => iso(k.revokedAt),
    },
    AuditLogEntry: {
      createdAt: (e: AuditLogRow) => iso(e.createdAt),
    },
    Image: {
      thumbnail: (image: GalleryImage, { size }: { size: number }) => gallery.thumbnail(image, size),
    },
    Dataset: {
      imageCount: (d: DatasetRow) => prisma.image.count({ where: { datasetId: d.id } }),
      itemCount: (d: DatasetRow) => prisma.item.count({ where: { datasetId: d.id } }),
      categories: async (d: DatasetRow) => {
        const categories = await prisma.tagCategory.findMany({ where: { datasetId: d.id }, include: { _count: { select: { tags: true } } }, orderBy: { name: 'asc' } });
        return categories.map((c) => ({ name: c.name, weight: c.weight, tagCount: c._count.tags }));
      },
      createdAt: (d: DatasetRow) => iso(d.createdAt),
    },
    Model: {
      preprocess: (m: ModelRow) => m.preprocess,
      metadata: (m: ModelRow) => ({
        family: m.family,
        imagenetAcc1: m.imagenetAcc1,
        imagenetAcc5: m.imagenetAcc5,
        params: m.params,
        gflops: m.gflops,
        imagesPerSecond: m.embedSeconds > 0 ? m.embeddedImages / m.embedSeconds : null,
      }),
      createdAt: (m: ModelRow) => iso(m.createdAt),
    },
    Run: {
      dataset: (r: RunRow) => prisma.dataset.findUnique({ where: { id: r.datasetId } }),
      progress: (r: RunRow) => ({ done: r.progressDone, total: r.progressTotal }),
      evaluations: (r: RunRow) => prisma.evaluation.findMany({ where: { runId: r.id }, orderBy: { id: 'asc' } }),
      createdAt: (r: RunRow) => iso(r.createdAt),
      startedAt: (r: RunRow) => iso(r.startedAt),
      finishedAt: (r: RunRow) => iso(r.finishedAt),
    },
    Evaluation: {
      model: (e: EvaluationRow) => prisma.model.findUnique({ where: { id: e.modelId } }),
      ci95: (e: EvaluationRow) => (e.ciLow === null || e.ciHigh === null ? null : { low: e.ciLow, high: e.ciHigh }),
      perCategory: (e: EvaluationRow) => Object.entries((e.perCategory ?? {}) as Record<string, number | null>).map(([category, score]) => ({ category, score })),
      retrieval: (e: EvaluationRow) => {
        const r = e.retrieval as { meanTagSimilarityAt: Record<string, number | null>; ndcgAt10: number | null } | null;
        return r && { meanTagSimilarityAt: Object.entries(r.meanTagSimilarityAt).map(([k, value]) => ({ k: Number(k), value })), ndcgAt10: r.ndcgAt10 };
      },
      baselines: (e: EvaluationRow) => {
        const b = e.baselines as Record<string, { score: number | null }> | null;
        return b && { randomEmbeddings: b.randomEmbeddings?.score, shuffledEmbeddings: b.shuffledEmbeddings?.score, shuffledTags: b.shuffledTags?.score };
      },
      failedImages: (e: EvaluationRow) => (e.failedImages ?? []) as { imageId: string; error: string }[],
      startedAt: (e: EvaluationRow) => iso(e.startedAt),
      finishedAt: (e: EvaluationRow) => iso(e.finishedAt),
    },
  };
}
