-- Per-query correlations of an evaluation ({ image id: r }), for paired comparisons of two models on the same queries.
-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "perQuery" JSONB;
