import { fold } from './answer.js';
import type { Catalogue } from './catalogue.js';

/**
 * Is the player angry or abusive? Two signals, both from content the support team owns:
 *
 * - **words**: `global.abuse_words` of the player's language (insults, profanity; `|`-separated,
 *   a trailing `*` matches any ending, so Russian and Romanian inflections are covered), matched as
 *   whole words with accents and case ignored;
 * - **sentiment**: where a sentiment vocabulary exists (`SentimentPort`: natural for en, es, de),
 *   a clearly negative message, after leaving out the casino words of `global.neutral_words` that
 *   general vocabularies misread ("withdrawal", "lost", "failed").
 */
export interface SentimentPort {
  /** undefined when there is no vocabulary for the language. */
  angry(tokens: readonly string[], language: string): boolean | undefined;
  tokens(text: string): string[];
}

export type AngerSignal = 'words' | 'sentiment';

const listCache = new WeakMap<Catalogue, Map<string, { abuse: RegExp | null; neutral: Set<string> }>>();

function listsOf(catalogue: Catalogue, language: string): { abuse: RegExp | null; neutral: Set<string> } {
  let perLanguage = listCache.get(catalogue);
  if (!perLanguage) listCache.set(catalogue, (perLanguage = new Map<string, { abuse: RegExp | null; neutral: Set<string> }>()));
  let lists = perLanguage.get(language);
  if (!lists) {
    const words = (catalogue.own(language, 'global.abuse_words') ?? '')
      .split('|')
      .map((word) => fold(word.trim()))
      .filter(Boolean)
      .map((word) => (word.endsWith('*') ? `${escape(word.slice(0, -1))}[\\p{L}\\p{N}]*` : escape(word)));
    const abuse = words.length > 0 ? new RegExp(`(?:^|[^\\p{L}\\p{N}])(?:${words.join('|')})(?=$|[^\\p{L}\\p{N}])`, 'u') : null;
    const neutral = new Set(
      (catalogue.own(language, 'global.neutral_words') ?? '')
        .split('|')
        .map((word) => fold(word.trim()))
        .filter(Boolean),
    );
    lists = { abuse, neutral };
    perLanguage.set(language, lists);
  }
  return lists;
}

/** Which signal says the player is angry or abusive, if any. */
export function angerSignal(text: string, language: string, catalogue: Catalogue, sentiment?: SentimentPort): AngerSignal | undefined {
  if (text.trim() === '') return undefined;
  const { abuse, neutral } = listsOf(catalogue, language);
  if (abuse?.test(fold(text))) return 'words';
  if (!sentiment) return undefined;
  const tokens = sentiment.tokens(text).filter((token) => !neutral.has(fold(token)));
  return sentiment.angry(tokens, language) === true ? 'sentiment' : undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
