import type { Catalogue } from './catalogue.js';
import type { FlowStep } from './flow-schema.js';

/** An e-mail address inside a message. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/** An entity as the NLU reports it (e.g. `{ entity: 'amount', value: { amount: 50, currency: 'EUR' } }`). */
export interface ParsedEntity {
  readonly entity: string;
  readonly value: unknown;
  readonly text?: string;
}

export type Answer = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** Lower-case, accents and diacritics folded, for comparing what players type with what we expect. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss').toLowerCase().trim();
}

const wordLists = new WeakMap<Catalogue, Map<string, readonly string[]>>();

/**
 * A `|`-separated word list of the catalogue (`global.yes_words`, `global.cancel_words`), folded.
 * Content does not change under a catalogue (hot reload brings a new one), so each list is folded
 * once per catalogue and language instead of on every message.
 */
export function foldedWords(catalogue: Catalogue, language: string, key: string): readonly string[] {
  let lists = wordLists.get(catalogue);
  if (!lists) wordLists.set(catalogue, (lists = new Map<string, readonly string[]>()));
  const id = `${language}\u0000${key}`;
  let words = lists.get(id);
  if (!words) lists.set(id, (words = catalogue.text(language, key).split('|').map(fold)));
  return words;
}

const choiceNames = new WeakMap<Catalogue, WeakMap<object, Map<string, readonly string[]>>>();

/** The folded names a choice answers to in a language: its value, its label's text, its synonyms. Once per catalogue. */
function namesOf(choice: NonNullable<FlowStep['choices']>[number], language: string, catalogue: Catalogue): readonly string[] {
  let byChoice = choiceNames.get(catalogue);
  if (!byChoice) choiceNames.set(catalogue, (byChoice = new WeakMap()));
  let byLanguage = byChoice.get(choice);
  if (!byLanguage) byChoice.set(choice, (byLanguage = new Map<string, readonly string[]>()));
  let names = byLanguage.get(language);
  if (!names)
    byLanguage.set(language, (names = [choice.value, catalogue.text(language, choice.label), ...(choice.synonyms ?? [])].map(fold)));
  return names;
}

/**
 * Interprets a player's answer to an `ask` step according to its `expect`. Button presses arrive as
 * `choice:<value>` payloads. Returns `{ ok: false }` for an answer that does not fit, so the engine
 * can give the hint and ask again.
 */
export function interpretAnswer(
  step: FlowStep,
  input: { text?: string; payload?: string; entities: readonly ParsedEntity[] },
  language: string,
  catalogue: Catalogue,
): Answer {
  const text = input.text?.trim() ?? '';
  const payloadValue = input.payload?.startsWith('choice:') ? input.payload.slice('choice:'.length) : undefined;
  switch (step.expect ?? 'text') {
    case 'text':
      return text !== '' ? { ok: true, value: text } : payloadValue !== undefined ? { ok: true, value: payloadValue } : { ok: false };
    case 'email': {
      const entity = input.entities.find((e) => e.entity === 'email');
      const match = EMAIL.exec(text);
      const value = typeof entity?.value === 'string' ? entity.value : match?.[0];
      return value ? { ok: true, value: value.toLowerCase() } : { ok: false };
    }
    case 'number': {
      const match = /-?\d+(?:[.,]\d+)?/.exec(text);
      return match ? { ok: true, value: Number(match[0].replace(',', '.')) } : { ok: false };
    }
    case 'amount': {
      const entity = input.entities.find((e) => e.entity === 'amount');
      if (entity && typeof entity.value === 'object' && entity.value !== null) return { ok: true, value: entity.value };
      const match = /(\d+(?:[.,]\d{1,2})?)\s*([€$£]|eur|usd|gbp|rub|ron|lei)?/i.exec(text);
      if (!match?.[1]) return { ok: false };
      const symbols: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP', lei: 'RON' };
      const raw = match[2]?.toLowerCase();
      const currency = raw ? (symbols[raw] ?? raw.toUpperCase()) : undefined;
      return { ok: true, value: { amount: Number(match[1].replace(',', '.')), ...(currency ? { currency } : {}) } };
    }
    case 'choice': {
      const choices = step.choices ?? [];
      if (payloadValue !== undefined) {
        const chosen = choices.find((c) => c.value === payloadValue);
        return chosen ? { ok: true, value: chosen.value } : { ok: false };
      }
      const said = fold(text);
      if (said === '') return { ok: false };
      const byNumber = /^\d+$/.test(said) ? choices[Number(said) - 1] : undefined;
      if (byNumber) return { ok: true, value: byNumber.value };
      for (const choice of choices) {
        const names = namesOf(choice, language, catalogue);
        if (names.some((name) => name === said || (name.length >= 3 && said.includes(name)))) return { ok: true, value: choice.value };
      }
      return { ok: false };
    }
    case 'pattern': {
      const match = new RegExp(step.pattern ?? '.+', 'iu').exec(text);
      return match ? { ok: true, value: match[0] } : { ok: false };
    }
    case 'yes_no': {
      if (input.payload === 'yes' || payloadValue === 'yes') return { ok: true, value: true };
      if (input.payload === 'no' || payloadValue === 'no') return { ok: true, value: false };
      const said = fold(text).replace(/[!.?¡¿]+/g, '');
      if (foldedWords(catalogue, language, 'global.yes_words').includes(said)) return { ok: true, value: true };
      if (foldedWords(catalogue, language, 'global.no_words').includes(said)) return { ok: true, value: false };
      return { ok: false };
    }
    case 'code': {
      const match = /(?<!\d)(\d{4,8})(?!\d)/.exec(text.replace(/(\d)[\s-]+(?=\d)/g, '$1'));
      return match?.[1] ? { ok: true, value: match[1] } : { ok: false };
    }
  }
}

/**
 * What the message that started a flow already answers of one of its questions, so the player is not
 * asked for something they said ("my 50 € deposit via Skrill is missing" → amount and method). Only
 * answers that cannot be a coincidence count: an amount the NLU found with its currency, an e-mail
 * address, or exactly one choice (not marked `prefill: false`) named as a whole word or phrase, and not right after one of the
 * language's `global.negation_words` ("my account is not blocked", "la cuenta no está bloqueada"). A
 * yes/no, a number, a code or free text is always asked.
 */
export function prefillAnswer(
  step: FlowStep,
  opening: { text: string; entities: readonly ParsedEntity[] },
  language: string,
  catalogue: Catalogue,
): Answer {
  switch (step.expect ?? 'text') {
    // An amount or e-mail only when the message names exactly one ("I sent 100 € and got 50 €",
    // "my old address was a@x.com, now b@y.com": which one the question means is the player's to say).
    case 'amount': {
      const amounts = distinct(
        opening.entities
          .filter((e) => e.entity === 'amount')
          .map((e) => e.value as { currency?: unknown } | undefined)
          .filter((value) => value !== undefined && typeof value === 'object' && typeof value.currency === 'string'),
      );
      return amounts.length === 1 ? { ok: true, value: amounts[0] } : { ok: false };
    }
    case 'email': {
      const emails = distinct(opening.text.match(new RegExp(EMAIL.source, 'g'))?.map((email) => email.toLowerCase()) ?? []);
      return emails.length <= 1 ? interpretAnswer(step, opening, language, catalogue) : { ok: false };
    }
    case 'choice': {
      const said = wordsOf(opening.text);
      const denials = catalogue.has(language, 'global.negation_words')
        ? foldedWords(catalogue, language, 'global.negation_words').map(wordsOf)
        : [];
      // Named at `at`, and not right after a denial ("is not blocked", "nu e blocat"; but "не приходит код" names the code).
      const namedAt = (words: readonly string[], at: number) =>
        words.every((word, index) => said[at + index] === word) &&
        !denials.some(
          (denial) => denial.length > 0 && denial.length <= at && denial.every((word, index) => said[at - denial.length + index] === word),
        );
      const named = (step.choices ?? []).filter((choice) =>
        namesOf(choice, language, catalogue).some((name) => {
          const words = wordsOf(name);
          return words.join(' ').length >= 3 && said.some((_, at) => namedAt(words, at));
        }),
      );
      // A choice with `prefill: false` is never picked here, but being named it still makes another one uncertain.
      return named.length === 1 && named[0] && named[0].prefill !== false ? { ok: true, value: named[0].value } : { ok: false };
    }
    default:
      return { ok: false };
  }
}

/** The values that differ (compared as JSON), in order of first appearance. */
function distinct<T>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Folded words, apostrophes dropped ("isn't" → "isnt", "I'd" → "id"), everything else not a letter or digit a break. */
function wordsOf(text: string): string[] {
  return fold(text)
    .replace(/['’`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}
