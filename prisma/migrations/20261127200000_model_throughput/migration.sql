-- Model throughput: the images this platform embedded with each model and the seconds its workers took for them.
-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "embeddedImages" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "embedSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0;
