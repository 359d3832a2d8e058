import type { EntityDefinition } from './intent-file.js';
import { damerauLevenshtein } from './distance.js';
import { fold, tokenize } from './normalise.js';

/** An entity found in a message. `value` is canonical (e.g. "Skrill", { amount, currency }). */
export interface Entity {
  readonly entity: string;
  readonly value: unknown;
  readonly text: string;
}

const CURRENCY_WORDS: readonly [RegExp, string][] = [
  [/^(€|eur|euro|euros|евро)$/u, 'EUR'],
  [/^(\$|usd|dollar|dollars|dolar|dolares|dólares|доллар|доллара|долларов)$/u, 'USD'],
  [/^(£|gbp|pound|pounds)$/u, 'GBP'],
  [/^(₽|rub|руб|рубль|рубля|рублей|р)$/u, 'RUB'],
  [/^(ron|lei|leu)$/u, 'RON'],
  [/^(usdt|tether)$/u, 'USDT'],
  [/^(btc|bitcoin)$/u, 'BTC'],
];

const NUMBER = String.raw`\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const AMOUNT_AFTER = new RegExp(String.raw`(${NUMBER})\s?(€|\$|£|₽|[\p{L}]{1,9})`, 'giu');
const AMOUNT_BEFORE = new RegExp(String.raw`(€|\$|£|₽|eur|usd|gbp)\s?(${NUMBER})`, 'giu');
const EMAIL = /[\p{L}0-9._%+-]+@[\p{L}0-9.-]+\.[\p{L}]{2,}/gu;
const PHONE = /(?<![\w@])\+?\d[\d\s().-]{7,16}\d(?![\w@])/gu;
const CARD_LAST4 =
  /(?:\*{2,}|x{2,}|•{2,}|ending(?: in)?|termina(?:da)? en|endet auf|заканчивается на|оканчивается на|se termin[aă] cu|ultimele 4 cifre|últimos 4(?: dígitos)?|card|karte|tarjeta|карта|карты|cardul)\s*[:#]?\s*(\d{4})(?!\d)/giu;
const DIGIT = /[0-9]/;
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const DOTTED_DATE = /\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b/g;
// \b only knows ASCII letters, so word edges are spelled out with Unicode letter classes.
const word = (alternatives: string) => new RegExp(String.raw`(?<![\p{L}\p{N}])(?:${alternatives})(?![\p{L}\p{N}])`, 'iu');
const RELATIVE_DAYS: readonly [RegExp, number][] = [
  [word('day before yesterday|anteayer|antes de ayer|vorgestern|позавчера|alaltaieri|alaltăieri'), -2],
  [word('today|hoy|heute|сегодня|azi|astazi|astăzi'), 0],
  [word('yesterday|ayer|gestern|вчера|ieri'), -1],
];

/** Parses "1.000,50", "1,000.50", "50", "12,5" into a number. */
export function parseNumber(raw: string): number {
  const compact = raw.replace(/\s/g, '');
  const lastSeparator = Math.max(compact.lastIndexOf(','), compact.lastIndexOf('.'));
  if (lastSeparator === -1) return Number(compact);
  const decimals = compact.length - lastSeparator - 1;
  if (decimals === 3) return Number(compact.replace(/[.,]/g, ''));
  return Number(`${compact.slice(0, lastSeparator).replace(/[.,]/g, '')}.${compact.slice(lastSeparator + 1)}`);
}

function currencyOf(word: string): string | undefined {
  const folded = fold(word);
  return CURRENCY_WORDS.find(([pattern]) => pattern.test(folded) || pattern.test(word.toLowerCase()))?.[1];
}

/** Built-in entities: amount with currency, e-mail, phone, date, card last four digits. */
export function builtInEntities(text: string, now: Date = new Date()): Entity[] {
  const found: Entity[] = [];
  // An e-mail needs an "@", and every pattern but the relative days needs an ASCII digit (\d), so
  // most messages skip most of the patterns.
  const emails = text.includes('@') ? [...text.matchAll(EMAIL)].map((m) => m[0]) : [];
  for (const email of emails) found.push({ entity: 'email', value: email.toLowerCase(), text: email });
  const withoutEmails = emails.reduce((rest, email) => rest.replace(email, ' '), text);
  const hasDigit = DIGIT.test(withoutEmails);

  if (hasDigit) {
    for (const match of withoutEmails.matchAll(CARD_LAST4)) found.push({ entity: 'card_last4', value: match[1], text: match[0] });
    for (const match of withoutEmails.matchAll(AMOUNT_AFTER)) {
      const currency = currencyOf(match[2] ?? '');
      if (currency) found.push({ entity: 'amount', value: { amount: parseNumber(match[1] ?? ''), currency }, text: match[0] });
    }
    for (const match of withoutEmails.matchAll(AMOUNT_BEFORE)) {
      const currency = currencyOf(match[1] ?? '');
      if (currency) found.push({ entity: 'amount', value: { amount: parseNumber(match[2] ?? ''), currency }, text: match[0] });
    }
    for (const match of withoutEmails.matchAll(ISO_DATE))
      found.push({ entity: 'date', value: `${match[1]}-${match[2]}-${match[3]}`, text: match[0] });
    if (!found.some((e) => e.entity === 'date')) {
      for (const match of withoutEmails.matchAll(DOTTED_DATE)) {
        const day = Number(match[1]);
        const month = Number(match[2]);
        if (day < 1 || day > 31 || month < 1 || month > 12 || match[0].includes(',')) continue;
        const yearRaw = match[3];
        const year = yearRaw === undefined ? now.getUTCFullYear() : yearRaw.length === 2 ? 2000 + Number(yearRaw) : Number(yearRaw);
        found.push({ entity: 'date', value: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, text: match[0] });
      }
    }
  }
  for (const [pattern, offset] of RELATIVE_DAYS) {
    const match = pattern.exec(withoutEmails);
    if (match) {
      const date = new Date(now.getTime() + offset * 86_400_000);
      found.push({ entity: 'date', value: date.toISOString().slice(0, 10), text: match[0] });
      break;
    }
  }
  if (!hasDigit) return found;
  const covered = found.filter((e) => e.entity === 'amount' || e.entity === 'card_last4' || e.entity === 'date').map((e) => e.text);
  for (const match of withoutEmails.matchAll(PHONE)) {
    const digits = match[0].replace(/\D/g, '');
    if (digits.length < 8 || digits.length > 15 || covered.some((text) => text.includes(match[0].trim()) || match[0].includes(text)))
      continue;
    found.push({ entity: 'phone', value: `${match[0].trim().startsWith('+') ? '+' : ''}${digits}`, text: match[0].trim() });
  }
  return found;
}

const NUMERIC = /^\p{N}/u;

/** Whether a token of `length` letters can be a typo of a word of `expected` letters (see `similar`). */
function lengthsClose(length: number, expected: number): boolean {
  if (expected <= 5) return length === expected;
  return Math.abs(length - expected) <= (expected >= 8 ? 2 : 1);
}

/**
 * Matches list entities (with synonyms) exactly or with typos — "skril" → Skrill, "vsia" → Visa,
 * "netteler" → Neteller — using natural's Damerau-Levenshtein distance (computed without allocations
 * in distance.ts), with a tolerance that grows with the word's length so short common words never
 * match by accident.
 */
export class EntityMatcher {
  readonly #lists: { name: string; value: string; key: string }[] = [];
  /** Every form in matching order: the lists in order, each list's forms longest first. */
  readonly #forms: { list: number; tokens: string[] }[] = [];
  /** Forms by their first token: the only ones an exact match can start with. */
  readonly #byFirstToken = new Map<string, number[]>();
  /**
   * Forms whose first token a typo can reach (4+ letters), by that token's first letter (which a
   * typo keeps) and then its length (which a typo changes by at most two).
   */
  readonly #byFirstLetter = new Map<string, number[][]>();
  readonly #patterns: { name: string; pattern: RegExp }[] = [];

  constructor(definitions: readonly EntityDefinition[]) {
    const index = (map: Map<string, number[]>, key: string, form: number) => {
      const forms = map.get(key);
      if (forms) forms.push(form);
      else map.set(key, [form]);
    };
    for (const definition of definitions) {
      if (definition.pattern) {
        const { source, flags } = definition.pattern;
        this.#patterns.push({ name: definition.name, pattern: new RegExp(source, flags.includes('g') ? flags : `${flags}g`) });
      }
      for (const value of definition.values ?? []) {
        const list = this.#lists.length;
        this.#lists.push({ name: definition.name, value: value.value, key: `${definition.name}\u0000${value.value}` });
        const forms = [value.value, ...value.synonyms]
          .map((form) => tokenize(form))
          .filter((tokens) => tokens.length > 0)
          .sort((a, b) => b.length - a.length);
        for (const tokens of forms) {
          const form = this.#forms.length;
          this.#forms.push({ list, tokens });
          const first = tokens[0] as string;
          index(this.#byFirstToken, first, form);
          if (first.length >= 4) {
            let byLength = this.#byFirstLetter.get(first[0] as string);
            if (!byLength) this.#byFirstLetter.set(first[0] as string, (byLength = []));
            (byLength[first.length] ??= []).push(form);
          }
        }
      }
    }
  }

  /** `tokens` are `tokenize(text)`, when the caller has them already. */
  match(text: string, tokens: readonly string[] = tokenize(text)): Entity[] {
    const found: Entity[] = [];
    for (const { name, pattern } of this.#patterns) {
      // matchAll works on a copy, so the shared pattern's lastIndex stays 0
      for (const match of text.matchAll(pattern)) found.push({ entity: name, value: match[0], text: match[0] });
    }
    const taken = new Set<string>();
    // exact matches first (longest forms first), then fuzzy
    for (const fuzzy of [false, true]) {
      // Only forms whose first token one of the message's tokens can match are tried, in the same
      // order as trying every form of every list: a value's first matching form still wins.
      const candidates: number[] = [];
      for (const token of tokens) {
        const exact = this.#byFirstToken.get(token);
        if (exact) candidates.push(...exact);
        const byLength = fuzzy && token.length >= 3 && !NUMERIC.test(token) ? this.#byFirstLetter.get(token[0] as string) : undefined;
        if (byLength) {
          for (let length = Math.max(4, token.length - 2); length <= token.length + 2; length++) {
            const near = byLength[length];
            if (near && lengthsClose(token.length, length)) candidates.push(...near);
          }
        }
      }
      candidates.sort((a, b) => a - b);
      let previous = -1;
      for (const candidate of candidates) {
        if (candidate === previous) continue;
        previous = candidate;
        const form = this.#forms[candidate] as { list: number; tokens: string[] };
        const list = this.#lists[form.list] as { name: string; value: string; key: string };
        if (taken.has(list.key)) continue;
        const at = findForm(tokens, form.tokens, fuzzy);
        if (at !== undefined) {
          found.push({ entity: list.name, value: list.value, text: tokens.slice(at, at + form.tokens.length).join(' ') });
          taken.add(list.key);
        }
      }
    }
    return found;
  }
}

/** Only a swap of two letters costs 1; any other edit costs 2. */
const SWAPS_ONLY = { transposition: 1, substitution: 2, insertion: 2, deletion: 2 } as const;

function findForm(tokens: readonly string[], form: readonly string[], fuzzy: boolean): number | undefined {
  outer: for (let start = 0; start + form.length <= tokens.length; start++) {
    for (let i = 0; i < form.length; i++) {
      const token = tokens[start + i] as string;
      const expected = form[i] as string;
      if (token === expected) continue;
      if (!fuzzy || !similar(token, expected)) continue outer;
    }
    return start;
  }
  return undefined;
}

/**
 * Typo tolerance grows with length: nothing under 4 letters; only swapped letters ("vsia") up to 5,
 * so "slow" never becomes "slot"; one edit from 6 ("skril"); two from 8 ("netteler"); the first
 * letter must match.
 */
function similar(token: string, expected: string): boolean {
  // Typos almost never hit the first letter, and the check spares most distance computations.
  if (token[0] !== expected[0] || expected.length < 4 || token.length < 3 || NUMERIC.test(token)) return false;
  if (expected.length <= 5) {
    return token.length === expected.length && damerauLevenshtein(token, expected, SWAPS_ONLY) <= 1;
  }
  const allowed = expected.length >= 8 ? 2 : 1;
  if (Math.abs(token.length - expected.length) > allowed) return false;
  return damerauLevenshtein(token, expected) <= allowed;
}
