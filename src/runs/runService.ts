// Evaluation runs: create, plan as durable batches, work them under leases (any number of processes), score, cancel, resume.
import type { DatasetService } from '../catalog/datasetService.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { isTransientDatabaseError, lastLine, retryTransient } from '../db/transientErrors.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError, isUserInputError } from '../errors.js';
import type { PreprocessRecipe } from '../imaging/preprocess.js';
import { shardedPassRunner } from '../metric/aggregateShards.js';
import { scoreCorrEmbed, type ScoreContext } from '../metric/corrEmbed.js';
import { parseScoreOptions, type ScoreOptions } from '../metric/options.js';
import type { FailedImage } from './evaluationResults.js';
import { BatchStore, type ClaimedBatch, type EmbedOutcome } from './batchStore.js';
import { EmbedFlights } from './embedFlights.js';
import { IdleLanes } from './idleLanes.js';
import { loadEvaluationInput } from '../embedding/evaluationInput.js';
import type { EmbedResult, Executor, ModelEmbedResult, ModelReference } from '../executors/executor.js';
import type { RunEvents } from '../events/runEvents.js';
import { ProgressThrottle } from '../events/progressThrottle.js';

export interface StartEvaluationInput {
  datasetId: string;
  modelIds: string[];
  /** The engine's options as JSON (parseScoreOptions validates them); absent: the defaults. */
  options?: unknown;
}

export interface RunSettings {
  /** Images per embed batch. */
  batchSize: number;
  /** Batches this process works on at once (each may carry several models, see modelsPerBatch). */
  concurrency: number;
  /**
   * Most models of one recipe embedded together over a batch's images (default 8): their sessions and outputs are held
   * at once by the worker or function. 1 embeds each model on its own.
   */
  modelsPerBatch?: number;
  /** How long a claimed batch stays this process's without renewal (renewed every third of it while working). */
  leaseSeconds: number;
  /** Whether this process works on runs (false: it only records them, for another process to run). */
  driveRuns?: boolean;
  log?: (line: string) => void;
}

const TERMINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/** Whether a run or evaluation status is final. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A batch that failed this many times for reasons other than the user's input fails its evaluation. */
const MAX_BATCH_ATTEMPTS = 5;
/** A lane with nothing to claim, while leases held elsewhere keep the run open, looks again after 200 ms, doubling to 2 s. */
const FIRST_WAIT_MS = 200;
const LONGEST_WAIT_MS = 2000;
const DEFAULT_MODELS_PER_BATCH = 8;

interface RunContext {
  runId: string;
  /** This process's lanes of the run that have nothing to do. */
  idle: IdleLanes;
  /** Most batches claimed together: models per batch, or fewer when fewer of the run's models share a recipe. */
  groupSize: number;
  datasetId: string;
  rootDir: string;
  options: ScoreOptions;
  models: Map<string, ModelReference>;
}

export class RunService {
  private readonly active = new Map<string, Promise<void>>();
  private readonly store: BatchStore;
  /** Embedding work in flight in this process, shared by the batches of concurrent runs that need the same vectors. */
  private readonly flights = new EmbedFlights();
  /** Per run driven here: its lanes with nothing to do. */
  private readonly idle = new Map<string, IdleLanes>();
  /** Embed completions' progress events, at most one every two seconds per run. */
  private readonly progressEvents: ProgressThrottle;
  /** Set at shutdown: runs stop at their next step and stay queued/running in the database, to resume later. */
  private stopping = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly datasets: DatasetService,
    private readonly cache: EmbeddingCache,
    /** Null only in a process that does not drive runs. */
    private readonly executor: Executor | null,
    private readonly events: RunEvents,
    private readonly settings: RunSettings,
  ) {
    if (executor === null && settings.driveRuns !== false) throw new Error('RunService: a process that drives runs needs an executor');
    this.store = new BatchStore(prisma, settings.leaseSeconds);
    this.progressEvents = new ProgressThrottle(events);
    // A run recorded by any process (this one, another instance, the api function) is joined as soon as it is known.
    if (settings.driveRuns !== false) events.onEvery('queued', (event) => this.launch(event.runId));
  }

  /** Validates, records the run and its evaluations, starts it here (when this process drives runs) and announces it. */
  async start(input: StartEvaluationInput) {
    const options = parseScoreOptions(input.options ?? undefined);
    if (input.modelIds.length === 0) throw new UserInputError('startEvaluation: modelIds is empty');
    const modelIds = [...new Set(input.modelIds)];
    const dataset = await this.prisma.dataset.findUnique({
      where: { id: input.datasetId },
      select: { id: true, _count: { select: { images: true } } },
    });
    if (!dataset) throw new UserInputError(`dataset "${input.datasetId}" not found`, 'NOT_FOUND');
    const models = await this.prisma.model.findMany({ where: { id: { in: modelIds } }, select: { id: true } });
    const missing = modelIds.filter((id) => !models.some((m) => m.id === id));
    if (missing.length > 0) throw new UserInputError(`model "${missing[0]}" not found`, 'NOT_FOUND');
    const run = await this.prisma.run.create({
      data: {
        datasetId: dataset.id,
        options: JSON.parse(JSON.stringify(options)),
        progressTotal: dataset._count.images * modelIds.length,
        evaluations: { create: modelIds.map((modelId) => ({ modelId })) },
      },
    });
    this.launch(run.id);
    this.events.publish({ kind: 'queued', runId: run.id });
    return run;
  }

  /** A run's images done and in all: counted from its batches while it runs, as recorded once it has ended. */
  async progress(run: {
    id: string;
    status: string;
    progressDone: number;
    progressTotal: number;
  }): Promise<{ done: number; total: number }> {
    const done = isTerminalStatus(run.status) ? run.progressDone : await this.store.progressDone(run.id);
    return { done: Math.min(done, run.progressTotal), total: run.progressTotal };
  }

  /** Marks a queued or running run cancelled; every process working on it stops claiming its batches. */
  async cancel(runId: string) {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!run) throw new UserInputError(`run "${runId}" not found`, 'NOT_FOUND');
    if (isTerminalStatus(run.status)) return run;
    const now = new Date();
    // The progress it reached is recorded once, as a finished run's is.
    const progressDone = await this.store.progressDone(runId);
    const [, cancelled] = await this.prisma.$transaction([
      this.prisma.evaluation.updateMany({
        where: { runId, status: { in: ['queued', 'running'] } },
        data: { status: 'cancelled', finishedAt: now },
      }),
      this.prisma.run.update({ where: { id: runId }, data: { status: 'cancelled', finishedAt: now, progressDone } }),
    ]);
    this.events.publish({ kind: 'progress', runId });
    this.events.publish({ kind: 'completed', runId });
    return cancelled;
  }

  /** Joins every queued or running run this process is not working on yet (after a restart, or another process's). */
  async resumePending(): Promise<number> {
    if (this.settings.driveRuns === false || this.stopping) return 0;
    const pending = await this.prisma.run.findMany({
      where: { status: { in: ['queued', 'running'] } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    const joined = pending.filter((run) => !this.active.has(run.id));
    for (const run of joined) this.launch(run.id);
    return joined.length;
  }

  /** Looks for runs to join every `intervalMs` (a run recorded elsewhere, or left by a process that died). */
  startSweeping(intervalMs: number): void {
    this.sweeper ??= setInterval(() => {
      this.resumePending().catch((error) => this.settings.log?.(`run sweep: ${(error as Error).message}`));
    }, intervalMs).unref();
  }

  /** Waits for every run this process is executing. */
  async drain(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /** Stops taking new steps; unfinished runs are left to be resumed by the next process. */
  beginShutdown(): void {
    this.stopping = true;
    for (const idle of this.idle.values()) idle.wakeAll();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** After beginShutdown: waits for the work in flight, then hands this process's leases back so others go on at once. */
  async shutdown(): Promise<void> {
    this.beginShutdown();
    await this.drain();
    await this.store.releaseAll();
  }

  private launch(runId: string): void {
    if (this.settings.driveRuns === false || this.stopping || this.active.has(runId)) return;
    const work = this.execute(runId)
      .catch((error) => this.settings.log?.(`run ${runId}: ${(error as Error).message}`))
      .finally(() => {
        this.active.delete(runId);
        if (this.active.size === 0 && this.heartbeat) {
          clearInterval(this.heartbeat);
          this.heartbeat = null;
        }
      });
    this.active.set(runId, work);
    this.heartbeat ??= setInterval(
      () => {
        this.store.renewLeases().catch((error) => this.settings.log?.(`lease renewal: ${(error as Error).message}`));
      },
      (this.settings.leaseSeconds * 1000) / 3,
    ).unref();
  }

  /**
   * Database work of a run, retried while the database is unreachable (a restart, a failover, dropped connections):
   * an outage delays the run and never fails it. At shutdown the error is thrown instead.
   */
  private retry<T>(what: string, work: () => Promise<T>): Promise<T> {
    return retryTransient(work, { what, stopped: () => this.stopping, log: this.settings.log });
  }

  private async execute(runId: string): Promise<void> {
    const context = await this.retry(`run ${runId}`, () => this.prepare(runId));
    if (!context) return;
    try {
      await Promise.all(Array.from({ length: this.settings.concurrency }, () => this.lane(context)));
    } finally {
      this.progressEvents.flush(runId);
      this.idle.delete(runId);
    }
    if (!this.stopping) await this.retry(`run ${runId}`, () => this.finishIfDone(runId));
  }

  private idleLanes(runId: string): IdleLanes {
    const idle = this.idle.get(runId) ?? new IdleLanes();
    this.idle.set(runId, idle);
    return idle;
  }

  /** Marks the run running and plans its evaluations not planned yet (idempotent); null when the run is over. */
  private async prepare(runId: string): Promise<RunContext | null> {
    const run = await this.prisma.run.findUnique({
      where: { id: runId },
      include: { dataset: { select: { rootDir: true } }, evaluations: { include: { model: true }, orderBy: { id: 'asc' } } },
    });
    if (!run || isTerminalStatus(run.status)) return null;
    await this.prisma.run.updateMany({ where: { id: runId, status: 'queued' }, data: { status: 'running', startedAt: new Date() } });
    this.events.publish({ kind: 'progress', runId });
    const context: RunContext = {
      runId,
      idle: this.idleLanes(runId),
      datasetId: run.datasetId,
      rootDir: run.dataset.rootDir,
      options: parseScoreOptions(run.options),
      models: new Map(run.evaluations.map((e) => [e.id, modelReference(e.model)])),
      groupSize: Math.min(
        this.settings.modelsPerBatch ?? DEFAULT_MODELS_PER_BATCH,
        largestRecipeShare(run.evaluations.map((e) => e.model)),
      ),
    };
    const unplanned = run.evaluations.filter((e) => !e.planned && !isTerminalStatus(e.status));
    if (unplanned.length > 0) {
      const scoring = await this.datasets.loadForScoring(run.datasetId);
      for (const evaluation of unplanned) await this.plan(context, evaluation.id, scoring.images);
    }
    return context;
  }

  /** Splits an evaluation's cache misses into embed batches (cache hits count as done at once). */
  private async plan(context: RunContext, evaluationId: string, images: { id: string; contentHash: string | null }[]): Promise<void> {
    const model = context.models.get(evaluationId)!;
    const hashes = images.flatMap((i) => (i.contentHash ? [i.contentHash] : []));
    const [cached] = await this.cache.present([{ modelHash: model.onnxHash, preprocessHash: model.preprocessHash }], hashes);
    const todo = images.filter((i) => !(i.contentHash && cached.has(i.contentHash))).map((i) => i.id);
    const batches: string[][] = [];
    for (let i = 0; i < todo.length; i += this.settings.batchSize) batches.push(todo.slice(i, i + this.settings.batchSize));
    if (await this.store.plan(context.runId, evaluationId, batches, images.length - todo.length))
      this.events.publish({ kind: 'progress', runId: context.runId });
  }

  /** Claims and works batches until the run has none left that this process could take. */
  private async lane(context: RunContext): Promise<void> {
    const idle = context.idle;
    let wait = FIRST_WAIT_MS;
    try {
      for (;;) {
        if (this.stopping) return;
        const group = await this.retry(`run ${context.runId}: claim`, () => this.store.claimGroup(context.runId, context.groupSize));
        const batch = group[0];
        if (batch === undefined) {
          if (idle.finished) return;
          if (!idle.takePoll()) {
            await idle.wait();
            continue;
          }
          // The one polling lane: whether the run has work left anywhere (leased elsewhere, or released), and for leases
          // of other processes that run out. Jittered, so processes do not poll in step.
          try {
            if (!(await this.retry(`run ${context.runId}: claim`, () => this.store.hasUnfinished(context.runId)))) {
              idle.finish();
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random() / 2)));
          } finally {
            idle.pollDone();
          }
          wait = Math.min(LONGEST_WAIT_MS, wait * 2);
          continue;
        }
        wait = FIRST_WAIT_MS;
        idle.wakeOne();
        let failures: { batch: ClaimedBatch; error: unknown }[];
        try {
          if (batch.kind === 'embed') failures = await this.embedGroup(context, group);
          else {
            await this.scoreEvaluation(context, batch);
            failures = [];
          }
        } catch (error) {
          failures = group.map((member) => ({ batch: member, error }));
        }
        for (const failure of failures) {
          await this.handleFailure(context, failure.batch, failure.error).catch((error: unknown) => {
            this.store.abandon(failure.batch); // not renewed any more: its lease runs out and a later claim takes it
            throw error;
          });
        }
      }
    } finally {
      idle.wakeAll();
    }
  }

  /**
   * Embeds the images of batches of several models of one recipe (the same images) in one executor call, and
   * completes each batch that its model embedded, recording the shards written, in one statement; returns the batches
   * whose model failed, with why. With the claim, that is two commits per group.
   */
  private async embedGroup(context: RunContext, group: ClaimedBatch[]): Promise<{ batch: ClaimedBatch; error: unknown }[]> {
    const images = group[0].images ?? [];
    const byId = new Map(images.map((image) => [image.id, image]));
    const models = group.map((batch) => context.models.get(batch.evaluationId)!);
    const results = await this.flights.run(
      models.map((model) => `${model.onnxHash}:${model.preprocessHash}`),
      images,
      (todo) => this.embedImages(context.rootDir, models, todo),
    );
    const hashed = new Map<string, string>();
    for (const result of results)
      if (result.status === 'fulfilled')
        for (const e of result.value.embedded) if (byId.get(e.id)?.contentHash === null) hashed.set(e.id, e.contentHash);
    // Only images without a hash yet (http(s) ones, before their first fetch): local files are hashed when imported.
    if (hashed.size > 0)
      await this.prisma.$executeRaw`
        UPDATE "Image" i SET "contentHash" = u.hash FROM unnest(${[...hashed.keys()]}::text[], ${[...hashed.values()]}::text[]) AS u(id, hash)
        WHERE i.id = u.id AND i."contentHash" IS NULL`;
    const outcomes = group.flatMap((batch, k): EmbedOutcome[] => {
      const result = results[k];
      if (result.status === 'rejected') return [];
      const { failed, computeSeconds, computedImages } = result.value;
      const seconds = computeSeconds !== undefined && Number.isFinite(computeSeconds) && computeSeconds > 0 ? computeSeconds : 0;
      return [
        {
          batch,
          failed: failed.map((f) => ({ imageId: byId.get(f.id)?.externalId ?? f.id, error: f.error })),
          computedImages: seconds > 0 ? (computedImages ?? result.value.embedded.length) : 0,
          embedSeconds: seconds,
        },
      ];
    });
    const shards = [
      ...new Map(results.flatMap((r) => (r.status === 'fulfilled' ? (r.value.shards ?? []) : [])).map((s) => [s.key, s])).values(),
    ];
    if ((await this.store.completeEmbeds(outcomes, shards)) > 0) this.progressEvents.changed(context.runId);
    return group.flatMap((batch, k) => {
      const result = results[k];
      return result.status === 'rejected' ? [{ batch, error: result.reason }] : [];
    });
  }

  /**
   * Embeds, for each model, the images no flight of this process holds: one executor call over every image some model
   * needs, for the models that need any. Vectors recorded since the run was planned are not looked up again (that
   * would cost a query per call); their shards are written again under the same keys.
   */
  private async embedImages(baseDir: string, models: ModelReference[], todo: { id: string; uri: string }[][]): Promise<EmbedResult> {
    const running = models.flatMap((_, k) => (todo[k].length > 0 ? [k] : []));
    const union = new Map(todo.flat().map((i) => [i.id, { id: i.id, uri: i.uri }]));
    const computed = await this.executor!.embed({ models: running.map((k) => models[k]), baseDir, images: [...union.values()] });
    return {
      models: todo.map((images, k): ModelEmbedResult => {
        const r = running.indexOf(k);
        if (r < 0) return { embedded: [], failed: [] };
        const part = computed.models[r];
        if ('error' in part) return part;
        const wanted = new Set(images.map((i) => i.id));
        return {
          ...part,
          embedded: part.embedded.filter((e) => wanted.has(e.id)),
          failed: part.failed.filter((f) => wanted.has(f.id)),
        };
      }),
    };
  }

  /** Scores an evaluation from its vectors' shards, in this process or fanned out as aggregate tasks. */
  private async scoreEvaluation(context: RunContext, batch: ClaimedBatch): Promise<void> {
    const model = context.models.get(batch.evaluationId)!;
    const input = await loadEvaluationInput(this.datasets, this.cache, context.datasetId, model);
    const failures = await this.store.failedImages(batch.evaluationId);
    const aggregate = this.executor!.aggregate;
    const scoreContext: ScoreContext = aggregate
      ? {
          passRunner: shardedPassRunner(aggregate.shards, (request) =>
            aggregate.run({
              datasetId: context.datasetId,
              model: { onnxHash: model.onnxHash, preprocessHash: model.preprocessHash },
              options: context.options,
              request,
              scoredImages: input.embeddings.rows,
            }),
          ),
        }
      : {};
    const report = await scoreCorrEmbed(input.manifest, input.embeddings, context.options, scoreContext);
    const failedImages: FailedImage[] = input.missing.map((imageId) => ({
      imageId,
      error: failures.get(imageId) ?? 'no embedding in the cache',
    }));
    const completed = await this.store.complete(batch, {
      also: async (tx) => {
        const scored = await tx.evaluation.updateMany({
          where: { id: batch.evaluationId, status: 'running' },
          data: {
            status: 'succeeded',
            finishedAt: new Date(),
            score: report.score,
            ciLow: report.ci95?.[0] ?? null,
            ciHigh: report.ci95?.[1] ?? null,
            queriesUsed: report.queriesUsed,
            queriesDropped: report.queriesDropped,
            perCategory: report.perCategory ?? undefined,
            perQuery: report.perQuery,
            retrieval: report.retrieval ? JSON.parse(JSON.stringify(report.retrieval)) : undefined,
            baselines: report.baselines ? JSON.parse(JSON.stringify(report.baselines)) : undefined,
            failedImages,
            notices: JSON.parse(JSON.stringify(report.notices)),
          },
        });
        // The evaluation's embedding throughput joins its model's (and every model with the same file and recipe) once.
        if (scored.count > 0)
          await tx.$executeRaw`
            UPDATE "Model" m SET "embeddedImages" = m."embeddedImages" + s.images, "embedSeconds" = m."embedSeconds" + s.seconds
            FROM (SELECT COALESCE(SUM("computedImages"), 0)::int AS images, COALESCE(SUM("embedSeconds"), 0)::float8 AS seconds
                  FROM "RunBatch" WHERE "evaluationId" = ${batch.evaluationId} AND kind = 'embed' AND status = 'done') s
            WHERE m."onnxHash" = ${model.onnxHash} AND m."preprocessHash" = ${model.preprocessHash} AND s.seconds > 0`;
      },
    });
    if (completed) this.events.publish({ kind: 'progress', runId: context.runId });
  }

  /**
   * A user error (bad model, no usable image) fails the evaluation; anything else hands the batch back for another
   * try, until it has failed MAX_BATCH_ATTEMPTS times; an unreachable database does not count as a try. At shutdown
   * the batch is simply handed back.
   */
  private async handleFailure(context: RunContext, batch: ClaimedBatch, error: unknown): Promise<void> {
    if (this.stopping) {
      await this.store.release(batch, null);
      return;
    }
    const what = `run ${context.runId}: ${batch.kind} batch ${batch.index}`;
    if (isTransientDatabaseError(error)) {
      this.settings.log?.(`${what}: database unavailable (${lastLine(error)}); handing the batch back`);
      await this.retry(what, () => this.store.release(batch, null, { uncounted: true }));
      return;
    }
    const message = this.describe(error);
    if (!isUserInputError(error) && batch.attempts < MAX_BATCH_ATTEMPTS) {
      this.settings.log?.(`${what} failed (attempt ${batch.attempts}), retrying: ${message}`);
      await this.retry(what, () => this.store.release(batch, message));
      return;
    }
    const failed = await this.retry(what, () =>
      this.store.complete(batch, {
        also: (tx) =>
          tx.evaluation.updateMany({
            where: { id: batch.evaluationId, status: 'running' },
            data: { status: 'failed', finishedAt: new Date(), error: message },
          }),
      }),
    );
    if (failed) this.events.publish({ kind: 'progress', runId: context.runId });
  }

  /** User errors keep their message; anything else is logged here and reported without internals. */
  private describe(error: unknown): string {
    if (isUserInputError(error)) return error.message;
    this.settings.log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 'internal error (see the server log)';
  }

  /** Ends the run once every evaluation is final; of several processes, only one records it. */
  private async finishIfDone(runId: string): Promise<void> {
    const evaluations = await this.prisma.evaluation.findMany({
      where: { runId },
      orderBy: { id: 'asc' },
      select: { status: true, error: true, model: { select: { name: true } } },
    });
    if (evaluations.some((e) => !isTerminalStatus(e.status))) return;
    const failed = evaluations.find((e) => e.status === 'failed');
    const run = await this.prisma.run.findUnique({ where: { id: runId }, select: { progressTotal: true } });
    const updated = await this.prisma.run.updateMany({
      where: { id: runId, status: { in: ['queued', 'running'] } },
      data: {
        status: failed ? 'failed' : 'succeeded',
        error: failed ? `model ${failed.model.name}: ${failed.error}` : null,
        finishedAt: new Date(),
        progressDone: run?.progressTotal ?? 0,
      },
    });
    if (updated.count > 0) {
      this.events.publish({ kind: 'progress', runId });
      this.events.publish({ kind: 'completed', runId });
    }
  }
}

/** How many of a run's models share its most shared preprocessing recipe (1: none share one). */
function largestRecipeShare(models: { preprocessHash: string }[]): number {
  const counts = new Map<string, number>();
  for (const { preprocessHash } of models) counts.set(preprocessHash, (counts.get(preprocessHash) ?? 0) + 1);
  return Math.max(1, ...counts.values());
}

function modelReference(model: {
  name: string;
  onnxPath: string;
  onnxHash: string;
  preprocess: unknown;
  preprocessHash: string;
  outputName: string;
}): ModelReference {
  return {
    name: model.name,
    onnxPath: model.onnxPath,
    preprocess: model.preprocess as PreprocessRecipe,
    outputName: model.outputName,
    onnxHash: model.onnxHash,
    preprocessHash: model.preprocessHash,
  };
}
