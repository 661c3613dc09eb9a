// What the GraphQL API is served from: the services the composition root builds (src/services.ts) and the settings they share.
import type { DatasetService } from '../catalog/datasetService.js';
import type { ModelService } from '../catalog/modelService.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import type { GalleryService } from '../gallery/galleryService.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { LeaderboardCache } from '../analysis/leaderboardCache.js';
import type { RunEvents } from '../events/runEvents.js';
import type { RunService } from '../runs/runService.js';
import type { ApiKeyService } from './apiKeyService.js';
import type { AuditLog } from './auditLog.js';

export interface ApiServices {
  prisma: PrismaClient;
  datasets: DatasetService;
  models: ModelService;
  runs: RunService;
  events: RunEvents;
  /** The embedding cache the gallery reads vectors from. */
  cache: EmbeddingCache;
  gallery: GalleryService;
  apiKeys: ApiKeyService;
  auditLog: AuditLog;
  publicQueries: boolean;
  /** Where run events reach this process from every process (the platform); absent: every query reads the database. */
  leaderboards?: LeaderboardCache;
}
