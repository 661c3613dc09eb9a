-- Catalogue imports: the source files' hash (a re-import of the same files finds its dataset) and a version per name.
-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN     "sourceHash" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "Dataset_sourceHash_idx" ON "Dataset"("sourceHash");
