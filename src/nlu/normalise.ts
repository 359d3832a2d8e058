import { createRequire } from 'node:module';
import natural from './natural.js';

/**
 * Per-language normalisation for the classifier and the entity matcher: lower-casing, accent and
 * diacritic folding (Romanian ș/ş, German ä→a and ß→ss, Spanish accents, Russian ё→е), tokens for
 * words, numbers and emoji, and stems from natural's Porter stemmers (en, es, de, ru) or the Snowball
 * Romanian stemmer. A language without a stemmer is simply not stemmed: a new language is content.
 */
const require = createRequire(import.meta.url);
const snowball = require('snowball-stemmers') as { newStemmer(name: string): { stem(word: string): string } };
const romanian = snowball.newStemmer('romanian');

const STEMMERS: Readonly<Record<string, (word: string) => string>> = {
  en: (word) => natural.PorterStemmer.stem(word),
  es: (word) => natural.PorterStemmerEs.stem(word),
  de: (word) => natural.PorterStemmerDe.stem(word),
  ru: (word) => natural.PorterStemmerRu.stem(word),
  ro: (word) => romanian.stem(word),
};

/** Lower case with accents and diacritics removed: "Contraseña Ñoño ȘTIU" → "contrasena nono stiu". */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/ё/g, 'е')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
}

const TOKEN = /\p{Extended_Pictographic}|[\p{L}][\p{L}\p{M}'’]*|\p{N}+(?:[.,]\p{N}+)*/gu;

/** Folded tokens: words, numbers and emoji, in order. */
export function tokenize(text: string): string[] {
  const folded = fold(text.normalize('NFC'));
  return (folded.match(TOKEN) ?? []).map((token) => token.replace(/['’]/g, ''));
}

const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 100_000;

/**
 * The stem of a folded token in a language, or the token itself where there is no stemmer.
 * Stemming is the costliest part of featurising a message, and players reuse the same words, so
 * stems are cached (bounded).
 */
export function stem(language: string, token: string): string {
  const stemmer = STEMMERS[language] ?? STEMMERS[language.split('-')[0] ?? ''];
  if (!stemmer || token.length < 4 || /^\p{N}/u.test(token)) return token;
  const key = `${language}:${token}`;
  const cached = stemCache.get(key);
  if (cached !== undefined) return cached;
  let result = token;
  try {
    result = stemmer(token);
  } catch {
    // a stemmer that chokes on a word leaves it as it is
  }
  if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
  stemCache.set(key, result);
  return result;
}

export function hasStemmer(language: string): boolean {
  return language in STEMMERS || (language.split('-')[0] ?? '') in STEMMERS;
}
