import { describe, expect, it } from 'vitest';
import { isRetryable, platformError, withRetries } from '../../src/core/delivery.js';
import { CroupierError } from '../../src/core/errors.js';
import { textMessage } from '../../src/core/message.js';
import type { Deliver } from '../../src/core/stages/deliver.js';

const target = { channel: 'telegram', conversationKey: '42', conversationId: 'c-1' };

function flaky(failures: CroupierError[]): { deliver: Deliver; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    deliver: async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
      return { platformMessageId: `sent-${calls}` };
    },
  };
}

describe('withRetries', () => {
  it('retries 429 and 5xx with back-off, honouring retry-after, then succeeds', async () => {
    const waits: number[] = [];
    const { deliver, calls } = flaky([
      platformError('telegram', 429, 'Too Many Requests', { retryAfterMs: 3000 }),
      platformError('telegram', 502, 'Bad Gateway'),
    ]);
    const retrying = withRetries(deliver, { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 100 });
    await expect(retrying(target, textMessage('hi'))).resolves.toEqual({ platformMessageId: 'sent-3' });
    expect(calls()).toBe(3);
    expect(waits).toEqual([3000, 200]); // the platform's wait, then 100 × 2¹
  });

  it('fails at once on a permanent error (the player blocked the bot)', async () => {
    const { deliver, calls } = flaky([platformError('telegram', 403, 'Forbidden: bot was blocked by the user')]);
    const retrying = withRetries(deliver, { sleep: async () => undefined });
    await expect(retrying(target, textMessage('hi'))).rejects.toMatchObject({
      code: 'CROUPIER_PLATFORM_API',
      details: { status: 403, retryable: false },
    });
    expect(calls()).toBe(1);
  });

  it('gives up after the configured attempts and caps a long retry-after', async () => {
    const waits: number[] = [];
    const down = platformError('viber', 503, 'unavailable', { retryAfterMs: 600_000 });
    const { deliver, calls } = flaky([down, down, down, down]);
    const retrying = withRetries(deliver, { attempts: 3, maxDelayMs: 5000, sleep: async (ms) => void waits.push(ms) });
    await expect(retrying(target, textMessage('hi'))).rejects.toBe(down);
    expect(calls()).toBe(3);
    expect(waits).toEqual([5000, 5000]);
  });

  it('treats network failures as retryable and unknown errors as permanent', () => {
    expect(isRetryable(platformError('whatsapp-cloud', undefined, 'ECONNRESET'))).toBe(true);
    expect(platformError('whatsapp-cloud', undefined, 'ECONNRESET').code).toBe('CROUPIER_NETWORK');
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(new CroupierError('CROUPIER_NETWORK', 'down'))).toBe(true);
  });
});
