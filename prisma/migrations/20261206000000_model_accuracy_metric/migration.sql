-- What a model's imagenetAcc1/5 measure when it is not ImageNet-1k validation accuracy (the manifest's metadata.accuracyMetric).
-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "accuracyMetric" TEXT;
