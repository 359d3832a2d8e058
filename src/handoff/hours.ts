/**
 * Business hours in the team's time zone, pure. `null` hours mean 24/7 (the default). A day lists
 * its opening ranges as `HH:MM-HH:MM` (end after start, `24:00` allowed); a day that is missing or
 * empty is closed. A night shift across midnight is two ranges: `mon: [22:00-24:00]`, `tue: [00:00-06:00]`.
 *
 * @example isOpen({ timezone: 'Europe/Malta', weekly: { mon: ['09:00-18:00'] } }, new Date())
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHours {
  /** IANA time zone, e.g. `Europe/Malta`. */
  readonly timezone: string;
  readonly weekly: Partial<Record<Weekday, readonly string[]>>;
}

export const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

interface Range {
  readonly start: number;
  readonly end: number;
}

/** Minutes since local midnight for each range; invalid or empty ranges are dropped. */
export function parseRange(text: string): Range | undefined {
  const match = RANGE.exec(text.trim());
  if (!match) return undefined;
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = Number(match[3]) * 60 + Number(match[4]);
  if (end > 24 * 60 || end <= start) return undefined;
  return { start, end };
}

interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: Weekday;
  readonly minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  return format;
}

function local(at: Date, timezone: string): LocalTime & { second: number } {
  const parts: Record<string, string> = {};
  for (const part of formatter(timezone).formatToParts(at)) parts[part.type] = part.value;
  const weekday = (parts['weekday'] ?? 'Sun').slice(0, 3).toLowerCase() as Weekday;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    weekday,
    minutes: Number(parts['hour']) * 60 + Number(parts['minute']),
    second: Number(parts['second']),
  };
}

/** The UTC instant of a local wall-clock time in a time zone (the earlier one in a DST overlap). */
function zonedInstant(year: number, month: number, day: number, minutes: number, timezone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const seen = local(new Date(guess), timezone);
    const seenWall = Date.UTC(seen.year, seen.month - 1, seen.day, 0, seen.minutes, seen.second);
    const diff = wall - seenWall;
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

function rangesOf(hours: BusinessHours, weekday: Weekday): Range[] {
  return (hours.weekly[weekday] ?? [])
    .map(parseRange)
    .filter((range): range is Range => range !== undefined)
    .sort((a, b) => a.start - b.start);
}

export function isOpen(hours: BusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const now = local(at, hours.timezone);
  return rangesOf(hours, now.weekday).some((range) => now.minutes >= range.start && now.minutes < range.end);
}

/**
 * When the team is next in: `at` itself when open now (or 24/7), the next opening within the
 * coming week otherwise, or null when the hours never open.
 */
export function nextOpening(hours: BusinessHours | null, at: Date): Date | null {
  if (isOpen(hours, at) || !hours) return at;
  const now = local(at, hours.timezone);
  const today = Date.UTC(now.year, now.month - 1, now.day);
  for (let offset = 0; offset <= 7; offset++) {
    const date = new Date(today + offset * 86_400_000);
    const weekday = WEEKDAYS[date.getUTCDay()] as Weekday;
    for (const range of rangesOf(hours, weekday)) {
      const instant = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), range.start, hours.timezone);
      if (instant > at.getTime()) return new Date(instant);
    }
  }
  return null;
}

/** Whether a time zone name is one this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
