// API keys: the admin key from configuration or generated once (stored hashed), bearer-token lookup, scopes.
import { createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export const SCOPES = ['read', 'evaluate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Caller {
  keyId: string;
  name: string;
  scopes: Scope[];
  /** The key's own operations per minute; null: the configured default. */
  rateLimitPerMinute: number | null;
}

/** Who sent an operation: no key, a valid key, or a key that is unknown, revoked or expired (refused by every operation). */
export type Credentials = { kind: 'anonymous' } | { kind: 'key'; caller: Caller } | { kind: 'rejected' };

/**
 * Keys are 192 random bits, so one unsalted sha256 is enough: no dictionary or brute force reaches them, and a
 * lookup stays one indexed query. (A slow password hash would only matter for keys people choose.)
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return `ce_${randomBytes(24).toString('base64url')}`;
}

/** What the apiKeys query shows of a generated key: "ce_" and 8 of its 32 random characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, 11);
}

/**
 * Makes sure an admin key exists. With a configured key, its hash is recorded, unless that key was revoked: then
 * the server refuses to start until CORREMBED_ADMIN_KEY changes (a restart must not undo a revocation). Without
 * one, a key is generated when no active admin key exists yet. Returns a newly generated key (to print once), else null.
 */
export async function ensureAdminKey(prisma: PrismaClient, configuredKey: string | undefined): Promise<string | null> {
  if (configuredKey) {
    const keyHash = hashKey(configuredKey);
    const known = await prisma.apiKey.findUnique({ where: { keyHash } });
    if (known?.revokedAt) {
      throw new ConfigError(
        'CORREMBED_ADMIN_KEY',
        `names a key revoked at ${known.revokedAt.toISOString()}; set it to a new key (at least 16 characters) to start`,
      );
    }
    if (!known) await prisma.apiKey.create({ data: { name: 'admin (CORREMBED_ADMIN_KEY)', keyHash, scopes: ['admin'] } });
    return null;
  }
  const existing = await prisma.apiKey.findFirst({ where: { scopes: { has: 'admin' }, revokedAt: null } });
  if (existing) return null;
  const key = generateKey();
  await prisma.apiKey.create({ data: { name: 'admin (generated)', keyHash: hashKey(key), prefix: keyPrefix(key), scopes: ['admin'] } });
  return key;
}

/** lastUsedAt is written at most this often per key, so that reads do not each become a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The credentials of an `Authorization: Bearer <key>` header, looked up on every operation (a revoked key fails at once). */
export async function authenticate(prisma: PrismaClient, authorization: string | undefined): Promise<Credentials> {
  if (!authorization) return { kind: 'anonymous' };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) return { kind: 'rejected' };
  const key = await prisma.apiKey.findUnique({ where: { keyHash: hashKey(match[1]) } });
  const now = new Date();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) return { kind: 'rejected' };
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
  }
  return {
    kind: 'key',
    caller: { keyId: key.id, name: key.name, scopes: key.scopes as Scope[], rateLimitPerMinute: key.rateLimitPerMinute },
  };
}

/** admin implies evaluate, evaluate implies read. */
export function hasScope(caller: Caller, scope: Scope): boolean {
  const needed = SCOPES.indexOf(scope);
  return caller.scopes.some((held) => SCOPES.indexOf(held) >= needed);
}
