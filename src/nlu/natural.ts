import { createRequire } from 'node:module';

/**
 * The parts of natural Croupier uses, loaded from their own modules rather than natural's index.
 *
 * The index also loads natural's storage backends, which load the `redis` client, which declares
 * `class VerbatimString extends String`. Subclassing String makes V8 give up fast paths for every
 * string in the process: `charCodeAt` becomes about 5× slower and `slice` 3×, and the NLU (character
 * n-grams, edit distances) is made of those. Same code, same results; only what is loaded changes.
 */
type Natural = typeof import('natural');

const require = createRequire(import.meta.url);
const part = (name: string) => require(`natural/lib/natural/${name}`) as Partial<Natural>;

const natural = {
  ...part('stemmers'),
  ...part('sentiment'),
  ...part('classifiers'),
  ...part('distance'),
} as Pick<
  Natural,
  | 'PorterStemmer'
  | 'PorterStemmerEs'
  | 'PorterStemmerDe'
  | 'PorterStemmerRu'
  | 'SentimentAnalyzer'
  | 'BayesClassifier'
  | 'DamerauLevenshteinDistance'
>;

export default natural;
