-- Run progress is counted from batch states instead of incremented on the Run row by every completed batch.
ALTER TABLE "RunBatch" ADD COLUMN "progress" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Evaluation" ADD COLUMN "cachedImages" INTEGER NOT NULL DEFAULT 0;

UPDATE "RunBatch" SET "progress" = cardinality("imageIds") WHERE "kind" = 'embed';

-- Runs still going keep the progress they had: what their done batches do not explain were cache hits.
UPDATE "Evaluation" e
SET "cachedImages" = GREATEST(0, r."progressDone" - (
  SELECT COALESCE(SUM(b."progress"), 0)::int FROM "RunBatch" b WHERE b."runId" = r."id" AND b."status" = 'done'))
FROM "Run" r
WHERE e."runId" = r."id" AND r."status" IN ('queued', 'running')
  AND e."id" = (SELECT MIN(f."id") FROM "Evaluation" f WHERE f."runId" = r."id");
