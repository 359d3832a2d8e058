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

function format(value: unknown, filter: string | undefined, language: string): string {
  try {
    switch (filter) {
      case 'money': {
        if (typeof value === 'object' && value !== null && 'amount' in value && 'currency' in value) {
          return new Intl.NumberFormat(language, { style: 'currency', currency: String(value.currency) }).format(Number(value.amount));
        }
        return new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(Number(value));
      }
      case 'number':
        return new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(Number(value));
      case 'percent':
        return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(Number(value) / 100);
      case 'date':
        return new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(new Date(String(value)));
      case 'datetime':
        return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(String(value)));
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
