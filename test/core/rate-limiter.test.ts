import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimiter } from '../../src/core/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, notifies once, then drops the rest of the flood', () => {
    const limiter = new RateLimiter({ burst: 3, perMinute: 6 }, new ManualClock());
    const decisions = Array.from({ length: 6 }, () => limiter.take('p1'));
    expect(decisions).toEqual(['allow', 'allow', 'allow', 'notify', 'drop', 'drop']);
  });

  it('refills over time and notifies again for a later flood', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ burst: 1, perMinute: 6 }, clock);
    expect(limiter.take('p1')).toBe('allow');
    expect(limiter.take('p1')).toBe('notify');
    clock.advance(10_000); // 6 per minute = one token per 10 s
    expect(limiter.take('p1')).toBe('allow');
    expect(limiter.take('p1')).toBe('notify');
  });

  it('keeps players apart', () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1 }, new ManualClock());
    expect(limiter.take('p1')).toBe('allow');
    expect(limiter.take('p1')).toBe('notify');
    expect(limiter.take('p2')).toBe('allow');
  });
});
