import { createRequire } from 'node:module';

/**
 * The parts of natural Croupier uses, each loaded from its own module on first use rather than
 * from natural's index.
 *
 * The index also loads natural's storage backends, which load the `redis` client, which declares
 * `class VerbatimString extends String`. Subclassing String makes V8 give up fast paths for every
 * string in the process: `charCodeAt` becomes about 5× slower and `slice` 3×, and the NLU (character
 * n-grams, edit distances) is made of those. Loading a part only when it is used keeps start-up
 * and each hot-reload training thread from loading what they never call: the four stemmers take
 * milliseconds, the sentiment vocabularies and the classifiers (only the benchmark's peer uses
 * `BayesClassifier`) a few hundred.
 */
type Natural = typeof import('natural');
type Part = Pick<
  Natural,
  | 'PorterStemmer'
  | 'PorterStemmerEs'
  | 'PorterStemmerDe'
  | 'PorterStemmerRu'
  | 'SentimentAnalyzer'
  | 'BayesClassifier'
  | 'DamerauLevenshteinDistance'
>;

const require = createRequire(import.meta.url);
const MODULES: Readonly<Record<keyof Part, string>> = {
  PorterStemmer: 'stemmers/porter_stemmer',
  PorterStemmerEs: 'stemmers/porter_stemmer_es',
  PorterStemmerDe: 'stemmers/porter_stemmer_de',
  PorterStemmerRu: 'stemmers/porter_stemmer_ru',
  SentimentAnalyzer: 'sentiment/SentimentAnalyzer',
  BayesClassifier: 'classifiers',
  DamerauLevenshteinDistance: 'distance',
};

function load<K extends keyof Part>(name: K): Part[K] {
  const exported = require(`natural/lib/natural/${MODULES[name]}`) as Part[K] | Partial<Part> | { default: Part[K] };
  // a part's own module exports it directly (stemmers, SentimentAnalyzer) or as a named export (index modules)
  if (typeof exported === 'object' && exported !== null && name in exported) return (exported as Part)[name];
  if (typeof exported === 'object' && exported !== null && 'default' in exported) return exported.default;
  return exported as Part[K];
}

const loaded: Partial<Part> = {};
const natural = new Proxy(loaded, {
  get: (target, name) => {
    if (typeof name !== 'string' || !(name in MODULES)) return undefined;
    const part = name as keyof Part;
    return (target[part] ??= load(part) as never);
  },
}) as Part;

export default natural;
