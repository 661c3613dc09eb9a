// What the GraphQL API is served from: the database, the catalog, run and gallery services and the settings they share.
import type { DatasetService } from '../catalog/datasetService.js';
import type { ModelService } from '../catalog/modelService.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { LeaderboardCache } from '../analysis/leaderboardCache.js';
import type { RunEvents } from '../events/runEvents.js';
import type { RunService } from '../runs/runService.js';

export interface ApiServices {
  prisma: PrismaClient;
  datasets: DatasetService;
  models: ModelService;
  runs: RunService;
  events: RunEvents;
  /** The embedding cache the gallery reads vectors from. */
  cache: EmbeddingCache;
  publicQueries: boolean;
  /** Where run events reach this process from every process (the platform); absent: every query reads the database. */
  leaderboards?: LeaderboardCache;
}
