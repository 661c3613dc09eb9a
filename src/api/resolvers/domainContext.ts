// What every domain's resolvers share: the services, the scope checks and the run lookup subscriptions batch.
import type { GalleryService } from '../../gallery/galleryService.js';
import type { Run } from '../../generated/prisma/client.js';
import type { ApiKeyService } from '../apiKeyService.js';
import type { ApiServices } from '../apiServices.js';
import type { AuditLog } from '../auditLog.js';
import type { ScopeGuard } from './scopeGuard.js';

export interface DomainContext {
  services: ApiServices;
  gallery: GalleryService;
  apiKeys: ApiKeyService;
  auditLog: AuditLog;
  guard: ScopeGuard;
  /** The run by id, NOT_FOUND when there is none; lookups in the same turn of the event loop share one query. */
  runById(id: string): Promise<Run>;
}
