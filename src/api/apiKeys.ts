// API keys: the admin key from configuration or generated once (stored hashed), and bearer-token lookup.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

export type Scope = 'read' | 'evaluate' | 'admin';

export interface Caller {
  keyId: string;
  name: string;
  scopes: Scope[];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return `ce_${randomBytes(24).toString('base64url')}`;
}

/**
 * Makes sure an admin key exists. With a configured key, its hash is recorded; without one, a key is generated
 * when no active admin key exists yet. Returns a newly generated key (to print once), else null.
 */
export async function ensureAdminKey(prisma: PrismaClient, configuredKey: string | undefined): Promise<string | null> {
  if (configuredKey) {
    const keyHash = hashKey(configuredKey);
    await prisma.apiKey.upsert({ where: { keyHash }, update: { revokedAt: null }, create: { name: 'admin (CORREMBED_ADMIN_KEY)', keyHash, scopes: ['admin'] } });
    return null;
  }
  const existing = await prisma.apiKey.findFirst({ where: { scopes: { has: 'admin' }, revokedAt: null } });
  if (existing) return null;
  const key = generateKey();
  await prisma.apiKey.create({ data: { name: 'admin (generated)', keyHash: hashKey(key), scopes: ['admin'] } });
  return key;
}

/** The caller behind an `Authorization: Bearer <key>` header, or null when absent or unknown. */
export async function authenticate(prisma: PrismaClient, authorization: string | undefined): Promise<Caller | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return null;
  const key = await prisma.apiKey.findUnique({ where: { keyHash: hashKey(match[1]) } });
  if (!key || key.revokedAt) return null;
  return { keyId: key.id, name: key.name, scopes: key.scopes as Scope[] };
}

/** Admin implies every scope. */
export function hasScope(caller: Caller | null, scope: Scope): boolean {
  return caller !== null && (caller.scopes.includes('admin') || caller.scopes.includes(scope));
}
