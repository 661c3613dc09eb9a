// Administration of API keys: create (the key is returned once, only its hash is stored), list, revoke.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { UserInputError } from '../errors.js';
import { generateKey, hashKey, keyPrefix, SCOPES, type Scope } from './apiKeys.js';

export type ApiKeyRow = Prisma.ApiKeyGetPayload<object>;

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  rateLimitPerMinute?: number | null;
  /** A time, or ISO 8601 text; the key is refused from then on. */
  expiresAt?: Date | string | null;
}

/** The furthest expiry accepted (keys meant to last longer are created without one). */
const MAX_EXPIRY_MS = 10 * 366 * 24 * 3600 * 1000;

/** An expiry time: ISO 8601 with a date and time, in the future, at most ten years ahead; null stays null (never). */
function expiryTime(raw: Date | string | null | undefined, now = Date.now()): Date | null {
  if (raw === null || raw === undefined) return null;
  const time = raw instanceof Date ? raw.getTime() : /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(time)) throw new UserInputError('expiresAt must be an ISO 8601 date and time, e.g. 2030-01-31T00:00:00Z');
  if (time <= now) throw new UserInputError('expiresAt must be in the future');
  if (time > now + MAX_EXPIRY_MS)
    throw new UserInputError('expiresAt must be at most ten years ahead (create the key without one to never expire)');
  return new Date(time);
}

export class ApiKeyService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The new key (to show once) and its row. */
  async create(input: NewApiKey): Promise<{ key: string; apiKey: ApiKeyRow }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw new UserInputError('name must have 1 to 100 characters');
    if (input.scopes.length === 0 || input.scopes.some((s) => !SCOPES.includes(s)))
      throw new UserInputError(`scopes must be a non-empty list of ${SCOPES.join(', ')}`);
    const scopes = SCOPES.filter((s) => input.scopes.includes(s));
    const limit = input.rateLimitPerMinute ?? null;
    if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000))
      throw new UserInputError('rateLimitPerMinute must be an integer from 1 to 1000000');
    const expiresAt = expiryTime(input.expiresAt);
    const key = generateKey();
    const apiKey = await this.prisma.apiKey.create({
      data: { name, keyHash: hashKey(key), prefix: keyPrefix(key), scopes, rateLimitPerMinute: limit, expiresAt },
    });
    return { key, apiKey };
  }

  /** Oldest first, a window of the list. */
  list(window: { skip: number; take: number }): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...window });
  }

  /** Revokes a key (at once: every operation looks its key up); revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKeyRow> {
    const key = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!key) throw new UserInputError(`API key "${id}" not found`, 'NOT_FOUND');
    if (key.revokedAt) return key;
    return this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  }
}
