-- Embedding vectors move to immutable shard files; PostgreSQL keeps one row per shard.
CREATE TABLE "EmbeddingShard" (
    "key" TEXT NOT NULL,
    "modelHash" TEXT NOT NULL,
    "preprocessHash" TEXT NOT NULL,
    "dim" INTEGER NOT NULL,
    "imageHashes" TEXT[],
    "location" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmbeddingShard_pkey" PRIMARY KEY ("key")
);

CREATE INDEX "EmbeddingShard_modelHash_preprocessHash_idx" ON "EmbeddingShard"("modelHash", "preprocessHash");

-- A batch's own throughput, summed into its model's once the evaluation is scored.
ALTER TABLE "RunBatch" ADD COLUMN "computedImages" INTEGER, ADD COLUMN "embedSeconds" DOUBLE PRECISION;
