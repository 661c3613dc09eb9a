// Durable run work in PostgreSQL: plan an evaluation's batches once, claim them under renewable leases, finish each once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { recordShardsClause, type ShardRecord } from '../embedding/embeddingCache.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export type BatchKind = 'embed' | 'score';

export interface ClaimedBatch {
  id: string;
  runId: string;
  evaluationId: string;
  kind: BatchKind;
  index: number;
  imageIds: string[];
  /** Claims so far, this one included: also what tells this claim from a later one of the same process. */
  attempts: number;
  /** An embed group's leading batch: its images' rows, in the batch's order (read with the claim). */
  images?: ClaimedImage[];
}

export interface ClaimedImage {
  id: string;
  externalId: string;
  uri: string;
  contentHash: string | null;
}

/** An embed batch's outcome, as its completion records it. */
export interface EmbedOutcome {
  batch: ClaimedBatch;
  failed: { imageId: string; error: string }[];
  /** Images the batch's own work computed, and the seconds its model spent on them (0 and 0: none). */
  computedImages: number;
  embedSeconds: number;
}

type Transaction = Prisma.TransactionClient;

export class BatchStore {
  /** This process's lease-holder name. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Batches this process claimed and has not completed or released: the only leases it renews. */
  private readonly held = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly leaseSeconds: number,
  ) {}

  /**
   * Creates an evaluation's embed batches and its score batch, and records its cache hits as progress done, in one
   * transaction that only the first of several concurrent planners gets to commit. Returns whether this call planned it.
   */
  async plan(runId: string, evaluationId: string, batches: string[][], cachedImages: number): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const marked = await tx.evaluation.updateMany({
        where: { id: evaluationId, planned: false, status: { in: ['queued', 'running'] } },
        data: { planned: true, status: 'running', startedAt: new Date(), cachedImages },
      });
      if (marked.count === 0) return false;
      await tx.runBatch.createMany({
        data: [
          ...batches.map((imageIds, index) => ({
            runId,
            evaluationId,
            kind: 'embed' as const,
            index,
            imageIds,
            progress: imageIds.length,
          })),
          { runId, evaluationId, kind: 'score' as const, index: 0, imageIds: [] },
        ],
      });
      return true;
    });
  }

  /**
   * The run's images done so far: its evaluations' cache hits and the images of its done batches. Counted from rows
   * that are each written once, so completing batches never contends for one row however many processes work the run.
   */
  async progressDone(runId: string): Promise<number> {
    const [{ done }] = await this.prisma.$queryRaw<{ done: number }[]>`
      SELECT ((SELECT COALESCE(SUM("cachedImages"), 0) FROM "Evaluation" WHERE "runId" = ${runId})
            + (SELECT COALESCE(SUM("progress"), 0) FROM "RunBatch" WHERE "runId" = ${runId} AND status = 'done'))::int AS done`;
    return done;
  }

  /**
   * Leases the run's next batch: pending, or leased by a process whose lease ran out. Embed batches come first, chunk by
   * chunk across the evaluations (the recipes of a run take turns, so a local executor's workers, each holding some of
   * the models, all have work); a score batch only once every embed batch of its evaluation is done. Null when none is free.
   */
  async claim(runId: string): Promise<ClaimedBatch | null> {
    return (await this.claimGroup(runId, 1))[0] ?? null;
  }

  /**
   * Leases the run's next batch (as claim does) and, when it is an embed batch, up to `max` - 1 more embed batches of
   * the run over the same images whose models preprocess alike (one preprocessing hash), so one executor call embeds
   * them together. Each stays a batch of its own: completed, released and counted as it would be alone. Claims of one
   * run that may group (`max` > 1) take turns (an advisory lock), so concurrent lanes never split a group between
   * them; claims of single batches need no turn. The first batch leads.
   */
  async claimGroup(runId: string, max: number): Promise<ClaimedBatch[]> {
    // One statement: the lock is held from its first row to its commit, never across round trips to this process.
    // Rows leased by the previous holder since the statement's snapshot are re-read by FOR UPDATE and skipped.
    const rows = await this.prisma.$queryRaw<(ClaimedBatch & { leads: boolean; images: ClaimedImage[] | null })[]>`
        WITH lock AS (SELECT CASE WHEN ${max > 1} THEN pg_advisory_xact_lock(hashtext(${`claim:${runId}`})) IS NOT NULL ELSE true END AS held),
        first AS (
          SELECT c.id, c.kind, c."imageIds", m."preprocessHash" FROM "RunBatch" c
          JOIN "Evaluation" e ON e.id = c."evaluationId"
          JOIN "Model" m ON m.id = e."modelId"
          JOIN "Run" r ON r.id = c."runId"
          WHERE (SELECT held FROM lock) AND c."runId" = ${runId}
            AND r.status IN ('queued', 'running') AND e.status IN ('queued', 'running')
            AND (c.status = 'pending' OR (c.status = 'leased' AND c."leaseExpiresAt" < now()))
            AND (c.kind = 'embed' OR NOT EXISTS (
              SELECT 1 FROM "RunBatch" d WHERE d."evaluationId" = c."evaluationId" AND d.kind = 'embed' AND d.status <> 'done'))
          ORDER BY c.kind, c.index, e.id
          LIMIT 1
          FOR UPDATE OF c SKIP LOCKED
        ), siblings AS (
          SELECT c.id FROM "RunBatch" c
          JOIN "Evaluation" e ON e.id = c."evaluationId"
          JOIN "Model" m ON m.id = e."modelId"
          JOIN first f ON f.kind = 'embed' AND c."imageIds" = f."imageIds" AND m."preprocessHash" = f."preprocessHash" AND c.id <> f.id
          WHERE c."runId" = ${runId} AND c.kind = 'embed' AND e.status IN ('queued', 'running')
            AND (c.status = 'pending' OR (c.status = 'leased' AND c."leaseExpiresAt" < now()))
          ORDER BY e.id
          LIMIT ${Math.max(0, max - 1)}
          FOR UPDATE OF c SKIP LOCKED
        ), claimed AS (
          UPDATE "RunBatch" b
          SET status = 'leased', "leaseOwner" = ${this.owner}, "leaseExpiresAt" = now() + make_interval(secs => ${this.leaseSeconds}),
              attempts = b.attempts + 1
          WHERE b.id IN (SELECT id FROM first UNION ALL SELECT id FROM siblings)
          RETURNING b.id, b."runId", b."evaluationId", b.kind::text AS kind, b.index, b."imageIds", b.attempts,
                    b.id IN (SELECT id FROM first) AS leads
        )
        SELECT c.*, CASE WHEN c.leads AND c.kind = 'embed' THEN (
            SELECT json_agg(json_build_object('id', i.id, 'externalId', i."externalId", 'uri', i.uri, 'contentHash', i."contentHash")
                            ORDER BY u.n)
            FROM unnest(c."imageIds") WITH ORDINALITY AS u(id, n) JOIN "Image" i ON i.id = u.id) END AS images
        FROM claimed c`;
    const group = rows
      .sort((a, b) => Number(b.leads) - Number(a.leads))
      .map(({ leads: _leads, images, ...batch }) => (images ? { ...batch, images } : batch));
    for (const batch of group) this.held.add(batch.id);
    return group;
  }

  /** Whether the run still has work not done, in evaluations still going (leased elsewhere, or pending). */
  async hasUnfinished(runId: string): Promise<boolean> {
    const count = await this.prisma.runBatch.count({
      where: {
        runId,
        status: { not: 'done' },
        evaluation: { status: { in: ['queued', 'running'] } },
        run: { status: { in: ['queued', 'running'] } },
      },
    });
    return count > 0;
  }

  /**
   * Marks a batch done if this claim still holds it (which counts its progress), running `also` in the same transaction.
   * False when another claim took the batch over, in another process or in this one after the lease ran out (its
   * outcome is then that claim's to record): `attempts` tells claims apart, the owner only processes.
   */
  async complete(
    batch: ClaimedBatch,
    outcome: { failed?: { imageId: string; error: string }[]; also?: (tx: Transaction) => Promise<unknown> },
  ): Promise<boolean> {
    const completed = await this.prisma.$transaction(async (tx) => {
      const done = await tx.runBatch.updateMany({
        where: { id: batch.id, leaseOwner: this.owner, status: 'leased', attempts: batch.attempts },
        data: { status: 'done', finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null, failed: outcome.failed ?? undefined },
      });
      if (done.count === 0) return false;
      await outcome.also?.(tx);
      return true;
    });
    this.held.delete(batch.id);
    return completed;
  }

  /**
   * Marks embed batches done, each if its claim still holds it (as complete does), and records the shards their work
   * wrote (whether or not the claims still hold: the vectors are good either way), in one statement. Returns how many
   * batches it marked.
   */
  async completeEmbeds(outcomes: EmbedOutcome[], shards: ShardRecord[]): Promise<number> {
    if (outcomes.length === 0 && shards.length === 0) return 0;
    const recorded = recordShardsClause(shards, 7);
    const [{ marked }] = await this.prisma.$queryRawUnsafe<{ marked: number }[]>(
      `WITH done AS (
        UPDATE "RunBatch" b
        SET status = 'done', "finishedAt" = now() AT TIME ZONE 'UTC', "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
            failed = u.failed, "computedImages" = u.images, "embedSeconds" = u.seconds
        FROM unnest($2::text[], $3::int[], $4::jsonb[], $5::int[], $6::float8[]) AS u(id, attempts, failed, images, seconds)
        WHERE b.id = u.id AND b."leaseOwner" = $1 AND b.status = 'leased' AND b.attempts = u.attempts
        RETURNING 1
      ), ${recorded.sql}
      SELECT (SELECT count(*) FROM done)::int AS marked, (SELECT count(*) FROM recorded)::int AS shards`,
      this.owner,
      outcomes.map((o) => o.batch.id),
      outcomes.map((o) => o.batch.attempts),
      outcomes.map((o) => JSON.stringify(o.failed)),
      outcomes.map((o) => o.computedImages),
      outcomes.map((o) => o.embedSeconds),
      ...recorded.values,
    );
    for (const outcome of outcomes) this.held.delete(outcome.batch.id);
    return marked;
  }

  /**
   * Hands a batch back for another claim (after a failure, or at shutdown). `uncounted`: the failure was not the batch's
   * (the database was unreachable), so this claim does not count towards its attempts.
   */
  async release(batch: ClaimedBatch, error: string | null, options: { uncounted?: boolean } = {}): Promise<void> {
    await this.prisma.runBatch.updateMany({
      where: { id: batch.id, leaseOwner: this.owner, status: 'leased', attempts: batch.attempts },
      data: {
        status: 'pending',
        leaseOwner: null,
        leaseExpiresAt: null,
        lastError: error,
        ...(options.uncounted ? { attempts: { decrement: 1 } } : {}),
      },
    });
    this.held.delete(batch.id);
  }

  /** Hands a batch over to whoever claims it once its lease runs out (when releasing it failed): no longer renewed. */
  abandon(batch: ClaimedBatch): void {
    this.held.delete(batch.id);
  }

  /** Extends the leases of the batches this process is working on (called while it works). */
  async renewLeases(): Promise<void> {
    if (this.held.size === 0) return;
    await this.prisma.$executeRaw`
      UPDATE "RunBatch" SET "leaseExpiresAt" = now() + make_interval(secs => ${this.leaseSeconds})
      WHERE id = ANY(${[...this.held]}::text[]) AND "leaseOwner" = ${this.owner} AND status = 'leased'`;
  }

  /** Hands back every lease of this process, so another process can go on at once (shutdown). */
  async releaseAll(): Promise<void> {
    await this.prisma.runBatch.updateMany({
      where: { leaseOwner: this.owner, status: 'leased' },
      data: { status: 'pending', leaseOwner: null, leaseExpiresAt: null },
    });
    this.held.clear();
  }

  /** The images an evaluation's embed batches could not embed. */
  async failedImages(evaluationId: string): Promise<Map<string, string>> {
    const batches = await this.prisma.runBatch.findMany({
      where: { evaluationId, kind: 'embed', status: 'done' },
      select: { failed: true },
    });
    const failed = new Map<string, string>();
    for (const batch of batches)
      for (const f of (batch.failed ?? []) as { imageId: string; error: string }[]) failed.set(f.imageId, f.error);
    return failed;
  }
}
