import { CroupierError } from './errors.js';
import type { Deliver } from './stages/deliver.js';

export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  readonly attempts?: number;
  /** First back-off; doubled on each retry, with ±20 % jitter (default 500 ms). */
  readonly baseDelayMs?: number;
  /** No wait is longer than this, whatever a platform's Retry-After says (default 30 s). */
  readonly maxDelayMs?: number;
  /** Injected so tests never sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Told about every retry (for the log). */
  readonly onRetry?: (error: CroupierError, attempt: number, delayMs: number) => void;
}

/**
 * The facts an adapter attaches to a failed platform call, so one retry policy serves every
 * channel: `retryable` (429, 5xx, network), and `retryAfterMs` when the platform said how long to
 * wait (Telegram's retry_after, an HTTP Retry-After header).
 *
 * @example throw platformError('telegram', 429, 'Too Many Requests', { retryAfterMs: 3000 })
 */
export function platformError(
  channel: string,
  status: number | undefined,
  message: string,
  options: { retryAfterMs?: number; cause?: unknown } = {},
): CroupierError {
  const retryable = status === undefined || status === 429 || status >= 500;
  return new CroupierError(status === undefined ? 'CROUPIER_NETWORK' : 'CROUPIER_PLATFORM_API', `${channel}: ${message}`, {
    ...(options.cause === undefined ? {} : { cause: options.cause }),
    details: {
      channel,
      ...(status === undefined ? {} : { status }),
      retryable,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    },
  });
}

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof CroupierError)) return false;
  const flag = error.details['retryable'];
  return typeof flag === 'boolean' ? flag : error.code === 'CROUPIER_NETWORK';
}

/**
 * Wraps a channel's send with retries and exponential back-off for transient failures (rate
 * limits, 5xx, network), honouring the platform's Retry-After up to `maxDelayMs`. Permanent
 * failures (400, 403: the player blocked the bot) fail at once. The caller records the outcome
 * on the transcript entry.
 */
export function withRetries(deliver: Deliver, options: RetryOptions = {}): Deliver {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  return async (target, outbound, entry) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deliver(target, outbound, entry);
      } catch (error) {
        if (attempt >= attempts || !isRetryable(error)) throw error;
        const said = (error as CroupierError).details['retryAfterMs'];
        const backoff = base * 2 ** (attempt - 1) * (0.8 + 0.4 * random());
        const delay = Math.min(max, typeof said === 'number' && said >= 0 ? said : backoff);
        options.onRetry?.(error as CroupierError, attempt, delay);
        await sleep(delay);
      }
    }
  };
}
