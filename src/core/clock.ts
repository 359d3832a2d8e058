import { randomUUID } from 'node:crypto';

/**
 * Time and ids are injected everywhere, so tests are deterministic and never sleep.
 * @example const clock = systemClock; clock.now()
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export type IdSource = () => string;

export const randomId: IdSource = () => randomUUID();

/** Deterministic ids for tests: `prefix-1`, `prefix-2`, … */
export function sequentialIds(prefix = 'id'): IdSource {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/**
 * Time-ordered ids (milliseconds, a per-millisecond counter and 48 random bits; 25 chars, like ULID/UUIDv7):
 * sortable by creation, so database indexes grow at their right edge instead of at random pages.
 */
export function timeOrderedIds(clock: Clock = systemClock): IdSource {
  let lastMs = -1;
  let counter = 0;
  let prefix = '';
  return () => {
    const ms = clock.now().getTime();
    if (ms === lastMs) {
      counter++;
    } else {
      // several ids a millisecond under load: the time part is formatted once per millisecond
      counter = 0;
      lastMs = ms;
      prefix = ms.toString(36).padStart(9, '0');
    }
    return `${prefix}${counter.toString(36).padStart(4, '0')}${randomUUID().slice(-12)}`;
  };
}
