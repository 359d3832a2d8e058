/**
 * The wait a queued player is told, pure. A queued case waits because every eligible slot is busy,
 * so the next slot frees after about one handling time divided by the number of slots working on
 * its queue: position × handling time ÷ slots. The handling time is the median of the recent
 * closed cases (assignment to close), or the configured default until a few cases are known.
 */
export const MIN_SAMPLES = 3;
export const MAX_SAMPLES = 50;

export function medianHandleMs(samples: readonly number[], defaultMs: number): number {
  const recent = samples.slice(-MAX_SAMPLES).filter((ms) => Number.isFinite(ms) && ms > 0);
  if (recent.length < MIN_SAMPLES) return defaultMs;
  const sorted = [...recent].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Whole minutes, at least 1. `slots` counts the free-or-busy slots of online eligible agents (0 → treated as 1). */
export function estimateWaitMinutes(position: number, handleMs: number, slots: number): number {
  const ms = (Math.max(1, position) * handleMs) / Math.max(1, slots);
  return Math.max(1, Math.ceil(ms / 60_000));
}
