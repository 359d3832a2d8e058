import type { Clock } from './clock.js';

/** What to do with one more message from a sender. */
export type RateDecision = 'allow' | 'notify' | 'drop';

export interface RateLimitOptions {
  /** Messages a sender may send in a burst. */
  readonly burst: number;
  /** Sustained messages per minute once the burst is spent. */
  readonly perMinute: number;
}

/**
 * A token bucket per sender. The first message over the limit gets `notify` (one polite notice),
 * the rest of the flood `drop`, until the sender is allowed again.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number; notified: boolean }>();
  readonly #refillPerMs: number;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {
    this.#refillPerMs = options.perMinute / 60_000;
  }

  take(key: string): RateDecision {
    const now = this.clock.now().getTime();
    const bucket = this.#buckets.get(key) ?? { tokens: this.options.burst, at: now, notified: false };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.notified = false;
      this.#sweep(now);
      return 'allow';
    }
    if (bucket.notified) return 'drop';
    bucket.notified = true;
    return 'notify';
  }

  /** Forgets full buckets now and then so memory stays bounded by active senders. */
  #sweep(now: number): void {
    if (this.#buckets.size < 10_000) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#refillPerMs >= this.options.burst) this.#buckets.delete(key);
    }
  }
}
