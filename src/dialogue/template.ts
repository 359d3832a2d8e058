import { readPath } from './condition.js';

/**
 * Fills `{path}` placeholders in a text with conversation data, formatted for the player's
 * language with Intl:
 *
 *   "Your withdrawal of {slots.wd.latest.amount|money} from {slots.wd.latest.created_at|date} is pending."
 *
 * Filters: `money` (an `{amount, currency}` object), `number`, `date`, `datetime`, `percent`
 * (a 0–100 number). A missing value renders as "—" (and is reported by the caller), never as an
 * empty message.
 */
export function renderTemplate(template: string, data: unknown, language: string, onMissing?: (path: string) => void): string {
  return template.replace(/\{([a-zA-Z_][\w.]*)(?:\|([a-z]+))?\}/g, (_whole, path: string, filter: string | undefined) => {
    const value = readPath(data, path.split('.'));
    if (value === undefined || value === null || value === '') {
      onMissing?.(path);
      return '—';
    }
    return format(value, filter, language);
  });
}

/** Placeholders a template uses, for validation. */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(/\{([a-zA-Z_][\w.]*)(?:\|[a-z]+)?\}/g)].map((match) => match[1] ?? '');
}

/**
 * Intl formatters by language and options, made once: making one costs 10–40 µs, using one under a
 * microsecond. A formatter keeps no state between calls; an unknown currency still throws on making.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(language: string, kind: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n\u0000${language}\u0000${kind}`;
  let made = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!made) remember(key, (made = new Intl.NumberFormat(language, options)));
  return made;
}

function dateFormat(language: string, kind: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d\u0000${language}\u0000${kind}`;
  let made = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!made) remember(key, (made = new Intl.DateTimeFormat(language, options)));
  return made;
}

function remember(key: string, formatter: Intl.NumberFormat | Intl.DateTimeFormat): void {
  // languages come from content, but currencies from the back office: keep the map bounded
  if (formatters.size >= 1000) formatters.clear();
  formatters.set(key, formatter);
}

function format(value: unknown, filter: string | undefined, language: string): string {
  try {
    switch (filter) {
      case 'money': {
        if (typeof value === 'object' && value !== null && 'amount' in value && 'currency' in value) {
          const currency = String(value.currency);
          return numberFormat(language, `currency:${currency}`, { style: 'currency', currency }).format(Number(value.amount));
        }
        return numberFormat(language, 'number', { maximumFractionDigits: 2 }).format(Number(value));
      }
      case 'number':
        return numberFormat(language, 'number', { maximumFractionDigits: 2 }).format(Number(value));
      case 'percent':
        return numberFormat(language, 'percent', { style: 'percent', maximumFractionDigits: 0 }).format(Number(value) / 100);
      case 'date':
        return dateFormat(language, 'date', { dateStyle: 'medium' }).format(new Date(String(value)));
      case 'datetime':
        return dateFormat(language, 'datetime', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(String(value)));
      default:
        break;
    }
  } catch {
    // an unknown currency or an invalid date falls through to plain text
  }
  if (typeof value === 'object' && value !== null && 'amount' in value && 'currency' in value) {
    return `${String(value.amount)} ${String(value.currency)}`;
  }
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? '—';
}
