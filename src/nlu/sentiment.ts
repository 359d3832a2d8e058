import natural from './natural.js';

/**
 * Sentiment of a player's message with natural's SentimentAnalyzer, in the languages natural has a
 * vocabulary for: English and Spanish (AFINN, −5…5 per word) and German (Pattern, −1…1 per word).
 * Russian and Romanian have none; there, as everywhere, the word lists in the text catalogues
 * (`global.abuse_words`) catch insults.
 *
 * General-purpose lexicons misread casino words ("withdrawal" is −3 in AFINN, "lost" −3, "failed"
 * −2), so the words of `global.neutral_words` are taken out before scoring. A message counts as
 * angry when at least two words are negative and the average is at or under the vocabulary's
 * threshold; one sour word ("my deposit is late, terrible") is not enough.
 */
export interface SentimentReading {
  /** natural's score: the sum of word polarities (negations flip them) over the number of words. */
  readonly score: number;
  /** Words with a negative polarity. */
  readonly negativeWords: number;
  readonly angry: boolean;
}

export interface SentimentScorer {
  /** undefined when natural has no vocabulary for the language. */
  read(tokens: readonly string[], language: string): SentimentReading | undefined;
}

interface Analyzer {
  getSentiment(words: string[]): number;
}

const VOCABULARIES: Readonly<Record<string, { language: string; type: string; threshold: number }>> = {
  en: { language: 'English', type: 'afinn', threshold: -0.6 },
  es: { language: 'Spanish', type: 'afinn', threshold: -0.6 },
  de: { language: 'German', type: 'pattern', threshold: -0.08 },
};

/** Lower-cased words of any script, with apostrophes kept inside words ("don't"). */
export function sentimentTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}

export function createSentimentScorer(): SentimentScorer {
  const analyzers = new Map<string, Analyzer>();
  const analyzer = (language: string): Analyzer | undefined => {
    const vocabulary = VOCABULARIES[language];
    if (!vocabulary) return undefined;
    let found = analyzers.get(language);
    if (!found) {
      const Constructor = natural.SentimentAnalyzer as unknown as new (language: string, stemmer: undefined, type: string) => Analyzer;
      found = new Constructor(vocabulary.language, undefined, vocabulary.type);
      analyzers.set(language, found);
    }
    return found;
  };
  return {
    read(tokens, language) {
      const scorer = analyzer(language);
      const vocabulary = VOCABULARIES[language];
      if (!scorer || !vocabulary || tokens.length === 0) return undefined;
      const score = scorer.getSentiment([...tokens]);
      const negativeWords = tokens.filter((token) => scorer.getSentiment([token]) < 0).length;
      return { score, negativeWords, angry: negativeWords >= 2 && score <= vocabulary.threshold };
    },
  };
}

let shared: SentimentScorer | undefined;

/** The dialogue's view of sentiment (src/dialogue/anger.ts): tokens, and angry or not. */
export function sentimentPort(): {
  tokens(text: string): string[];
  angry(tokens: readonly string[], language: string): boolean | undefined;
} {
  shared ??= createSentimentScorer();
  const scorer = shared;
  return { tokens: sentimentTokens, angry: (tokens, language) => scorer.read(tokens, language)?.angry };
}
