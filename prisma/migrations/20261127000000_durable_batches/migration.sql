-- Durable runs: leased batches of work per evaluation, and the evaluation's planned flag.

-- CreateEnum
CREATE TYPE "BatchKind" AS ENUM ('embed', 'score');

-- CreateEnum
CREATE TYPE "BatchStatus" AS ENUM ('pending', 'leased', 'done');

-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "planned" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "RunBatch" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "evaluationId" TEXT NOT NULL,
    "kind" "BatchKind" NOT NULL,
    "index" INTEGER NOT NULL,
    "imageIds" TEXT[],
    "status" "BatchStatus" NOT NULL DEFAULT 'pending',
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failed" JSONB,
    "lastError" TEXT,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RunBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RunBatch_runId_status_idx" ON "RunBatch"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "RunBatch_evaluationId_kind_index_key" ON "RunBatch"("evaluationId", "kind", "index");

-- AddForeignKey
ALTER TABLE "RunBatch" ADD CONSTRAINT "RunBatch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunBatch" ADD CONSTRAINT "RunBatch_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

