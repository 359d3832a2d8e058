/**
 * Masks personal and financial data in free text before it reaches a log: card numbers (13–19
 * digits passing the Luhn check, with spaces or dashes), IBANs, e-mail addresses and phone numbers.
 * Keeps just enough to help support (last four digits of a card, the e-mail's domain).
 *
 * @example maskPersonalData('card 4111 1111 1111 1111') // 'card ************1111'
 */
export function maskPersonalData(text: string): string {
  return text
    .replace(IBAN, (match) => maskIban(match))
    .replace(CARD, (match) => (luhn(match.replace(/\D/g, '')) ? maskCard(match) : match))
    .replace(EMAIL, (_match, _local: string, domain: string) => `***@${domain}`)
    .replace(PHONE, (match) => maskPhone(match));
}

// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
// Country code, check digits, 11–30 alphanumerics, optionally grouped by spaces. Groups are four
// characters and only the last may be shorter, so a word after the IBAN ("… 0130 00 BIC") is not
// swallowed into it.
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g;
const EMAIL = /([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
// International or local numbers with 8–15 digits and common separators.
const PHONE = /(?<![\w*])\+?\d[\d\s().-]{6,18}\d(?![\w*])/g;

function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function maskCard(match: string): string {
  const digits = match.replace(/\D/g, '');
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

function maskIban(match: string): string {
  const compact = match.replace(/\s/g, '');
  if (compact.length < 15 || compact.length > 34) return match;
  return `${compact.slice(0, 2)}**${'*'.repeat(compact.length - 8)}${compact.slice(-4)}`;
}

function maskPhone(match: string): string {
  const digits = match.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return match;
  // Dates and amounts look like digit runs too; only mask what reads as a phone number.
  if (/^\d{4}-\d{2}-\d{2}/.test(match.trim()) || /^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/.test(match.trim())) return match;
  return `${match.trim().startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

/**
 * Applies {@link maskPersonalData} to every string inside a value (objects, arrays, errors). Objects
 * nested deeper than the limit are replaced by a marker rather than passed through unmasked.
 * Errors become plain objects that keep their type, own fields (a CroupierError's `code`) and cause.
 */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[too deep]';
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.constructor.name || value.name, message: maskPersonalData(value.message) };
    if (value.stack) out['stack'] = maskPersonalData(value.stack);
    for (const [key, item] of Object.entries(value)) out[key] = maskDeep(item, depth + 1);
    if (value.cause !== undefined) out['cause'] = maskDeep(value.cause, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = maskDeep(item, depth + 1);
  return out;
}
