-- API key expiry: a key with expiresAt in the past is refused like a revoked one.
-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "expiresAt" TIMESTAMP(3);
