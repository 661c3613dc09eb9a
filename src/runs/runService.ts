// Evaluation runs: create, execute in the background (embed through the cache, then score), cancel, resume.
import type { DatasetService } from '../catalog/datasetService.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { decodeFloat16, encodeFloat16 } from '../embedding/float16.js';
import { UserInputError, isUserInputError } from '../errors.js';
import type { PreprocessRecipe } from '../imaging/preprocess.js';
import { scoreCorrEmbed, type ScoreReport } from '../metric/corrEmbed.js';
import { parseScoreOptions, type ScoreOptions } from '../metric/options.js';
import type { Executor, ModelReference } from './executor.js';
import type { RunEvents } from './runEvents.js';

export interface StartEvaluationInput {
  datasetId: string;
  modelIds: string[];
  options?: Record<string, unknown> | null;
}

const TERMINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/** Whether a run or evaluation status is final. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.includes(status);
}

interface ScoringImage {
  id: string;
  externalId: string;
  uri: string;
  contentHash: string | null;
}

interface ModelRow {
  id: string;
  name: string;
  onnxPath: string;
  onnxHash: string;
  preprocess: unknown;
  preprocessHash: string;
  outputName: string;
}

/** Vectors of one model for the images that could be embedded (keyed by image external id), and the failures. */
interface ModelEmbeddings {
  vectors: Map<string, Float32Array>;
  failed: { imageId: string; error: string }[];
}

/** Thrown inside a run's work when it was cancelled or the process is shutting down. */
export class RunInterrupted extends Error {}

export class RunService {
  private readonly active = new Map<string, Promise<void>>();
  /** Set at shutdown: runs stop at their next step and stay queued/running in the database, to resume later. */
  private stopping = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly datasets: DatasetService,
    private readonly cache: EmbeddingCache,
    private readonly executor: Executor,
    private readonly events: RunEvents,
    private readonly settings: { batchSize: number; concurrency: number; log?: (line: string) => void },
  ) {}

  /** Validates, records the run and its evaluations, and starts it in the background. */
  async start(input: StartEvaluationInput) {
    const options = parseScoreOptions(input.options ?? undefined);
    if (input.modelIds.length === 0) throw new UserInputError('startEvaluation: modelIds is empty');
    const modelIds = [...new Set(input.modelIds)];
    const dataset = await this.prisma.dataset.findUnique({ where: { id: input.datasetId }, select: { id: true, _count: { select: { images: true } } } });
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
    return run;
  }

  /** Marks a queued or running run cancelled; the background work stops at its next batch. */
  async cancel(runId: string) {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!run) throw new UserInputError(`run "${runId}" not found`, 'NOT_FOUND');
    if (isTerminalStatus(run.status)) return run;
    const now = new Date();
    const [, cancelled] = await this.prisma.$transaction([
      this.prisma.evaluation.updateMany({ where: { runId, status: { in: ['queued', 'running'] } }, data: { status: 'cancelled', finishedAt: now } }),
      this.prisma.run.update({ where: { id: runId }, data: { status: 'cancelled', finishedAt: now } }),
    ]);
    this.events.publish({ kind: 'progress', runId });
    this.events.publish({ kind: 'completed', runId });
    return cancelled;
  }

  /** Restarts runs left queued or running by a previous process. */
  async resumePending(): Promise<number> {
    const pending = await this.prisma.run.findMany({ where: { status: { in: ['queued', 'running'] } }, select: { id: true }, orderBy: { createdAt: 'asc' } });
    for (const run of pending) this.launch(run.id);
    return pending.length;
  }

  /** Waits for every run this process is executing. */
  async drain(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /** Stops taking new steps; unfinished runs are left to be resumed by the next process. */
  beginShutdown(): void {
    this.stopping = true;
  }

  private launch(runId: string): void {
    if (this.active.has(runId)) return;
    const work = this.execute(runId)
      .catch((error) => this.settings.log?.(`run ${runId}: ${(error as Error).message}`))
      .finally(() => this.active.delete(runId));
    this.active.set(runId, work);
  }

  private async isCancelled(runId: string): Promise<boolean> {
    if (this.stopping) return true;
    const run = await this.prisma.run.findUnique({ where: { id: runId }, select: { status: true } });
    return !run || run.status === 'cancelled';
  }

  private async execute(runId: string): Promise<void> {
    const run = await this.prisma.run.findUnique({ where: { id: runId }, include: { evaluations: { include: { model: true }, orderBy: { id: 'asc' } } } });
    if (!run || isTerminalStatus(run.status)) return;
    await this.prisma.run.update({ where: { id: runId }, data: { status: 'running', startedAt: run.startedAt ?? new Date(), progressDone: 0 } });
    this.events.publish({ kind: 'progress', runId });
    let failure: string | null = null;
    try {
      const options = parseScoreOptions(run.options);
      const scoring = await this.datasets.loadForScoring(run.datasetId);
      for (const evaluation of run.evaluations) {
        if (await this.isCancelled(runId)) throw new RunInterrupted();
        if (isTerminalStatus(evaluation.status)) {
          await this.addProgress(runId, scoring.images.length);
          continue;
        }
        const error = await this.evaluate(runId, evaluation.id, evaluation.model, scoring, options);
        failure ??= error;
      }
      await this.finish(runId, failure === null ? 'succeeded' : 'failed', failure);
    } catch (error) {
      if (this.stopping || error instanceof RunInterrupted || (await this.isCancelled(runId))) return;
      await this.finish(runId, 'failed', this.describe(error));
    }
  }

  /** Embeds and scores one model; returns the error message when the evaluation failed. */
  private async evaluate(
    runId: string,
    evaluationId: string,
    model: ModelRow,
    scoring: Awaited<ReturnType<DatasetService['loadForScoring']>>,
    options: ScoreOptions,
  ): Promise<string | null> {
    await this.prisma.evaluation.update({ where: { id: evaluationId }, data: { status: 'running', startedAt: new Date() } });
    try {
      const embeddings = await this.embedModel(runId, model, scoring.images, scoring.rootDir);
      const report = await this.score(scoring.manifest, embeddings, options);
      await this.prisma.evaluation.update({
        where: { id: evaluationId },
        data: {
          status: 'succeeded',
          finishedAt: new Date(),
          score: report.score,
          ciLow: report.ci95?.[0] ?? null,
          ciHigh: report.ci95?.[1] ?? null,
          queriesUsed: report.queriesUsed,
          queriesDropped: report.queriesDropped,
          perCategory: report.perCategory ?? undefined,
          retrieval: report.retrieval ? JSON.parse(JSON.stringify(report.retrieval)) : undefined,
          baselines: report.baselines ? JSON.parse(JSON.stringify(report.baselines)) : undefined,
          failedImages: embeddings.failed,
        },
      });
      this.events.publish({ kind: 'progress', runId });
      return null;
    } catch (error) {
      if (this.stopping || error instanceof RunInterrupted) throw new RunInterrupted();
      const message = this.describe(error);
      await this.prisma.evaluation.update({ where: { id: evaluationId }, data: { status: 'failed', finishedAt: new Date(), error: message } });
      this.events.publish({ kind: 'progress', runId });
      return `model ${model.name}: ${message}`;
    }
  }

  /** Vectors for every image: cache hits first, then the misses through the executor, written back to the cache. */
  private async embedModel(runId: string, model: ModelRow, images: ScoringImage[], rootDir: string): Promise<ModelEmbeddings> {
    const vectors = new Map<string, Float32Array>();
    const failed: ModelEmbeddings['failed'] = [];
    const hashes = images.flatMap((i) => (i.contentHash ? [i.contentHash] : []));
    const cached = await this.cache.get(model.onnxHash, model.preprocessHash, hashes);
    const todo: ScoringImage[] = [];
    for (const image of images) {
      const hit = image.contentHash ? cached.get(image.contentHash) : undefined;
      if (hit) vectors.set(image.externalId, hit);
      else todo.push(image);
    }
    await this.addProgress(runId, images.length - todo.length);
    const reference: ModelReference = {
      name: model.name,
      onnxPath: model.onnxPath,
      preprocess: model.preprocess as PreprocessRecipe,
      outputName: model.outputName,
    };
    const batches: ScoringImage[][] = [];
    for (let i = 0; i < todo.length; i += this.settings.batchSize) batches.push(todo.slice(i, i + this.settings.batchSize));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (await this.isCancelled(runId)) throw new RunInterrupted();
        const result = await this.executor.embed({ model: reference, baseDir: rootDir, images: batch.map((i) => ({ id: i.id, uri: i.uri })) });
        const entries = result.embedded.map((e) => ({ imageHash: e.contentHash, vector: unitLength(e.vector) }));
        await this.cache.put(model.onnxHash, model.preprocessHash, entries);
        const byId = new Map(batch.map((i) => [i.id, i]));
        for (const [k, embedded] of result.embedded.entries()) {
          const image = byId.get(embedded.id)!;
          // Scored at the cache's float16 precision, so a later run served from the cache gives the same score.
          vectors.set(image.externalId, decodeFloat16(encodeFloat16(entries[k].vector)));
          if (image.contentHash === null) await this.prisma.image.update({ where: { id: image.id }, data: { contentHash: embedded.contentHash } });
        }
        for (const f of result.failed) failed.push({ imageId: byId.get(f.id)!.externalId, error: f.error });
        await this.addProgress(runId, batch.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, batches.length) }, lane));
    return { vectors, failed };
  }

  /** Scores the images that have vectors (failed images are left out of the dataset). */
  private async score(manifest: Awaited<ReturnType<DatasetService['loadForScoring']>>['manifest'], embeddings: ModelEmbeddings, options: ScoreOptions): Promise<ScoreReport> {
    const images = manifest.images.filter((i) => embeddings.vectors.has(i.id));
    if (images.length === 0) throw new UserInputError('no image could be embedded');
    const dim = embeddings.vectors.get(images[0].id)!.length;
    const data = new Float32Array(images.length * dim);
    images.forEach((image, i) => data.set(embeddings.vectors.get(image.id)!, i * dim));
    return scoreCorrEmbed({ ...manifest, images }, { rows: images.length, dim, data }, options);
  }

  /** User errors keep their message; anything else is logged here and reported without internals. */
  private describe(error: unknown): string {
    if (isUserInputError(error)) return error.message;
    this.settings.log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 'internal error (see the server log)';
  }

  private async addProgress(runId: string, count: number): Promise<void> {
    if (count === 0) return;
    await this.prisma.run.update({ where: { id: runId }, data: { progressDone: { increment: count } } });
    this.events.publish({ kind: 'progress', runId });
  }

  private async finish(runId: string, status: 'succeeded' | 'failed', error: string | null): Promise<void> {
    const updated = await this.prisma.run.updateMany({
      where: { id: runId, status: { in: ['queued', 'running'] } },
      data: { status, error, finishedAt: new Date() },
    });
    if (updated.count > 0) {
      this.events.publish({ kind: 'progress', runId });
      this.events.publish({ kind: 'completed', runId });
    }
  }
}

/**
 * The cache holds float16, whose range ends at 65504: vectors are stored at unit length (cosines, and so every
 * score, are unchanged) so large activations cannot overflow. An all-zero vector stays zero (scoring refuses it).
 */
function unitLength(vector: Float32Array): Float32Array {
  let sumSq = 0;
  for (const v of vector) sumSq += v * v;
  if (sumSq === 0 || !Number.isFinite(sumSq)) return vector;
  const inverse = 1 / Math.sqrt(sumSq);
  return vector.map((v) => v * inverse);
}
