// What every domain's resolvers share: the services, the scope checks and the run lookup subscriptions batch.
import type { Run } from '../../generated/prisma/client.js';
import type { ApiServices } from '../apiServices.js';
import type { ScopeGuard } from './scopeGuard.js';

export interface DomainContext {
  /** Built by the composition root (src/services.ts); resolvers only call them. */
  services: ApiServices;
  guard: ScopeGuard;
  /** The run by id, NOT_FOUND when there is none; lookups in the same turn of the event loop share one query. */
  runById(id: string): Promise<Run>;
}
