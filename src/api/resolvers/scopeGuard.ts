// Scope checks every resolver makes before it reads or changes anything.
import { forbidden, unauthenticated } from '../apiErrors.js';
import { hasScope, type Scope } from '../apiKeys.js';
import type { ApiContext } from '../requestGate.js';

export class ScopeGuard {
  constructor(private readonly publicQueries: boolean) {}

  /** UNAUTHENTICATED without a valid key, FORBIDDEN when the key lacks `scope`. */
  require(context: ApiContext, scope: Scope): void {
    const { credentials } = context;
    if (credentials.kind === 'rejected') throw unauthenticated('this API key is unknown or revoked, or has expired');
    if (credentials.kind === 'anonymous') throw unauthenticated();
    if (!hasScope(credentials.caller, scope)) throw forbidden(scope);
  }

  /** Queries and subscriptions: public unless configured otherwise, but never with a bad key. */
  read(context: ApiContext): void {
    if (!this.publicQueries || context.credentials.kind === 'rejected') this.require(context, 'read');
  }
}
