// Token buckets per caller (an API key or a client IP), in this process's memory.

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets beyond this many are pruned of full ones (callers idle long enough to have refilled). */
const PRUNE_ABOVE = 10_000;

/** A caller's bucket after a take, as the RateLimit-Limit / -Remaining / -Reset response headers report it. */
export interface RateLimitState {
  /** Operations per minute (the bucket's size). */
  limit: number;
  /** Whole tokens left. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

/** Unlimited callers (a limit of 0) have no state. */
export type Admission = ({ ok: true } | { ok: false; retryAfterSeconds: number }) & { state: RateLimitState | null };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token from `id`'s bucket, which holds `perMinute` tokens and refills at `perMinute` a minute; 0 is unlimited. */
  take(id: string, perMinute: number): Admission {
    if (perMinute <= 0) return { ok: true, state: null };
    const now = this.now();
    const perMs = perMinute / 60_000;
    const bucket = this.buckets.get(id) ?? { tokens: perMinute, updatedMs: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedMs) * perMs);
    bucket.updatedMs = now;
    if (!this.buckets.has(id)) this.remember(id, bucket, now);
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    const state = {
      limit: perMinute,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((perMinute - bucket.tokens) / perMs / 1000),
    };
    return ok ? { ok, state } : { ok, state, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  private remember(id: string, bucket: Bucket, now: number): void {
    if (this.buckets.size >= PRUNE_ABOVE) {
      // A bucket's capacity is not stored; one idle for a minute has refilled whatever its rate.
      for (const [key, b] of this.buckets) if (now - b.updatedMs >= 60_000) this.buckets.delete(key);
    }
    this.buckets.set(id, bucket);
  }
}
