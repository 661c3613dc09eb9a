// Every GraphQL operation passes here before parsing, on HTTP, WebSocket and Lambda alike: document size, credentials, rate limit.
import type { ApiSecurityConfig } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { documentTooLarge, rateLimited } from './apiErrors.js';
import { authenticate, type Credentials } from './apiKeys.js';
import { RateLimiter, type RateLimitState } from './rateLimiter.js';

/** The GraphQL context of one operation. */
export interface ApiContext {
  credentials: Credentials;
  clientIp: string;
  /** The caller's rate-limit bucket after this operation; null when unlimited. */
  rateLimit: RateLimitState | null;
}

export interface OperationRequest {
  authorization: string | undefined;
  clientIp: string;
  /** The GraphQL document as sent (not yet parsed). */
  query: unknown;
}

export class RequestGate {
  private readonly limiter = new RateLimiter();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly limits: ApiSecurityConfig,
  ) {}

  /**
   * The operation's context, or a typed error: DOCUMENT_TOO_LARGE, RATE_LIMITED (a valid key spends its own
   * bucket; anyone else, an unknown or revoked key included, spends their IP's). Bad keys are refused later, by
   * the resolvers, so that a mutation tried with one is audited.
   */
  async admit(request: OperationRequest): Promise<ApiContext> {
    if (typeof request.query === 'string' && request.query.length > this.limits.maxDocumentChars)
      throw documentTooLarge(this.limits.maxDocumentChars);
    const credentials = await authenticate(this.prisma, request.authorization);
    const admission =
      credentials.kind === 'key'
        ? this.limiter.take(`key:${credentials.caller.keyId}`, credentials.caller.rateLimitPerMinute ?? this.limits.rateLimitPerMinute)
        : this.limiter.take(`ip:${request.clientIp}`, this.limits.anonymousRateLimitPerMinute);
    if (!admission.ok) throw rateLimited(admission.retryAfterSeconds, admission.state);
    return { credentials, clientIp: request.clientIp, rateLimit: admission.state };
  }
}
