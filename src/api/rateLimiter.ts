// Token buckets per caller (an API key or a client IP), in this process's memory.

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets beyond this many are pruned of full ones (callers idle long enough to have refilled). */
const PRUNE_ABOVE = 10_000;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token from `id`'s bucket, which holds `perMinute` tokens and refills at `perMinute` a minute; 0 is unlimited. */
  take(id: string, perMinute: number): Admission {
    if (perMinute <= 0) return { ok: true };
    const now = this.now();
    const perMs = perMinute / 60_000;
    const bucket = this.buckets.get(id) ?? { tokens: perMinute, updatedMs: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedMs) * perMs);
    bucket.updatedMs = now;
    if (!this.buckets.has(id)) this.remember(id, bucket, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  private remember(id: string, bucket: Bucket, now: number): void {
    if (this.buckets.size >= PRUNE_ABOVE) {
      // A bucket's capacity is not stored; one idle for a minute has refilled whatever its rate.
      for (const [key, b] of this.buckets) if (now - b.updatedMs >= 60_000) this.buckets.delete(key);
    }
    this.buckets.set(id, bucket);
  }
}
