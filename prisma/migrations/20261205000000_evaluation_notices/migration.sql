-- Evaluation notices: what the authors' notebook quirks changed on the run's dataset, each naming its correcting option.
-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "notices" JSONB;
