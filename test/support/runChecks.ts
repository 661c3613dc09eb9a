// What fault tests check of a finished run: its stored scores (equal to a clean run's) and that no work was lost or counted twice.
import assert from 'node:assert/strict';
import { BatchStore } from '../../src/runs/batchStore.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';

/** Every stored number of every evaluation of a run, by model name. */
export async function storedScores(prisma: PrismaClient, runId: string) {
  const evaluations = await prisma.evaluation.findMany({ where: { runId }, include: { model: { select: { name: true } } } });
  return evaluations
    .sort((a, b) => a.model.name.localeCompare(b.model.name))
    .map((e) => ({
      model: e.model.name,
      status: e.status,
      error: e.error,
      score: e.score,
      ci: [e.ciLow, e.ciHigh],
      queries: [e.queriesUsed, e.queriesDropped],
      perCategory: e.perCategory,
      retrieval: e.retrieval,
      baselines: e.baselines,
      failedImages: e.failedImages,
    }));
}

/** The run succeeded, its progress is its total exactly, and each of its batches (`batches` when given) is done once. */
export async function assertCompleteOnce(prisma: PrismaClient, runId: string, batches?: number): Promise<void> {
  const run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.equal(await new BatchStore(prisma, 1).progressDone(runId), run.progressTotal, 'progress counted once per image');
  const rows = await prisma.runBatch.findMany({ where: { runId }, select: { status: true } });
  if (batches !== undefined) assert.equal(rows.length, batches);
  assert.deepEqual(new Set(rows.map((r) => r.status)), new Set(['done']));
}
