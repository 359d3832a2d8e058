import type { Corpus } from './intent-file.js';
import { fold, tokenize } from './normalise.js';

export interface LanguageGuess {
  readonly language: string;
  /** Posterior probability of `language` given the text and the priors. */
  readonly confidence: number;
  readonly scores: Readonly<Record<string, number>>;
}

interface Model {
  readonly language: string;
  readonly script: Script;
  readonly words: Map<string, number>;
  readonly wordTotal: number;
  readonly grams: Map<string, number>;
  readonly gramTotal: number;
}

type Script = 'latin' | 'cyrillic' | 'other';

/** The part of a {@link Corpus} the detector learns from: each language's texts. */
export type DetectorCorpus = ReadonlyMap<
  string,
  { readonly examples: readonly { readonly text: string }[]; readonly outOfScope: readonly string[] }
>;

/** What {@link LanguageDetector.count} learns from a corpus: counts per language and script. */
export interface DetectorCounts {
  readonly models: readonly Model[];
  /** Distinct character grams over all languages (the smoothing's vocabulary). */
  readonly vocabularySize: number;
}

/** The script most letters of a text are written in. */
function scriptOf(text: string): Script {
  const latin = (text.match(/\p{Script=Latin}/gu) ?? []).length;
  const cyrillic = (text.match(/\p{Script=Cyrillic}/gu) ?? []).length;
  if (latin === 0 && cyrillic === 0) return 'other';
  return cyrillic > latin ? 'cyrillic' : 'latin';
}

/**
 * Language detection for very short messages ("hola", "привет", "mersi", "privet"): a naive Bayes
 * over words and character 1–3-grams (raw lower case, so ñ, ß, ș still count), learned from the
 * content's own examples — one model per language and script, so Russian typed in Latin letters
 * ("privet", "spasibo") is learned from the content's translit examples — with the player's
 * remembered language as a strong prior.
 * A message that does not clearly belong to another language ("ok", "bonus", "👍") keeps the
 * conversation's language.
 *
 * @example detector.detect('mersi', { remembered: 'en' }) // { language: 'ro', … }
 */
export class LanguageDetector {
  readonly #languages: string[];
  /** Indices of the models to score for a text in each script (all of them for other scripts). */
  readonly #candidates: Readonly<Record<Script, readonly number[]>>;
  /**
   * Each model's weighted log-probability of every word and gram any model has seen, computed once
   * here with the very expression `detect` used to evaluate per message:
   * `wordScores[wordIndex.get(word) * models + model]`, and the score of an unseen one per model.
   */
  readonly #wordIndex = new Map<string, number>();
  readonly #wordScores: Float64Array;
  readonly #unseenWord: Float64Array;
  readonly #gramIndex = new Map<string, number>();
  /** The same index keyed by {@link gramCode}, so detecting builds no gram strings. */
  readonly #gramByCode: GramTable;
  readonly #gramScores: Float64Array;
  readonly #unseenGram: Float64Array;

  private constructor(
    private readonly models: readonly Model[],
    vocabularySize: number,
  ) {
    this.#languages = [...new Set(models.map((model) => model.language))];
    const all = models.map((_, index) => index);
    const inScript = (script: Script) => all.filter((index) => models[index]?.script === script);
    const latin = inScript('latin');
    const cyrillic = inScript('cyrillic');
    this.#candidates = { latin: latin.length > 0 ? latin : all, cyrillic: cyrillic.length > 0 ? cyrillic : all, other: all };
    const count = models.length;
    for (const model of models) {
      for (const word of model.words.keys()) if (!this.#wordIndex.has(word)) this.#wordIndex.set(word, this.#wordIndex.size);
      for (const gram of model.grams.keys()) if (!this.#gramIndex.has(gram)) this.#gramIndex.set(gram, this.#gramIndex.size);
    }
    this.#wordScores = new Float64Array(this.#wordIndex.size * count);
    this.#gramByCode = new GramTable(this.#gramIndex);
    this.#gramScores = new Float64Array(this.#gramIndex.size * count);
    this.#unseenWord = new Float64Array(count);
    this.#unseenGram = new Float64Array(count);
    models.forEach((model, m) => {
      const wordScore = (seen: number) => 1.5 * Math.log((seen + 0.1) / (model.wordTotal + 0.1 * 50_000));
      const gramScore = (seen: number) => 0.35 * Math.log((seen + 0.5) / (model.gramTotal + 0.5 * vocabularySize));
      const unseenWord = wordScore(0);
      const unseenGram = gramScore(0);
      this.#unseenWord[m] = unseenWord;
      this.#unseenGram[m] = unseenGram;
      for (let at = m; at < this.#wordScores.length; at += count) this.#wordScores[at] = unseenWord;
      for (let at = m; at < this.#gramScores.length; at += count) this.#gramScores[at] = unseenGram;
      for (const [word, seen] of model.words) this.#wordScores[(this.#wordIndex.get(word) as number) * count + m] = wordScore(seen);
      for (const [gram, seen] of model.grams) this.#gramScores[(this.#gramIndex.get(gram) as number) * count + m] = gramScore(seen);
    });
  }

  static train(corpus: Corpus): LanguageDetector {
    return LanguageDetector.fromCounts(LanguageDetector.count(corpus));
  }

  /**
   * The counting half of {@link train}: word and gram counts per language and script, as plain
   * structured-cloneable data, so a training worker can do it and the main thread only builds the
   * lookup tables ({@link fromCounts}).
   */
  static count(corpus: DetectorCorpus): DetectorCounts {
    const models: Model[] = [];
    const allGrams = new Set<string>();
    for (const [language, entry] of corpus) {
      const byScript = new Map<Script, string[]>();
      for (const text of [...entry.examples.map((e) => e.text), ...entry.outOfScope]) {
        const script = scriptOf(text);
        if (script === 'other') continue;
        let list = byScript.get(script);
        if (!list) byScript.set(script, (list = []));
        list.push(text);
      }
      for (const [script, texts] of byScript) {
        if (texts.length < 8) continue;
        const words = new Map<string, number>();
        const grams = new Map<string, number>();
        let wordTotal = 0;
        let gramTotal = 0;
        for (const text of texts) {
          for (const word of tokenize(text)) {
            words.set(word, (words.get(word) ?? 0) + 1);
            wordTotal++;
          }
          for (const gram of charGrams(text)) {
            grams.set(gram, (grams.get(gram) ?? 0) + 1);
            allGrams.add(gram);
            gramTotal++;
          }
        }
        models.push({ language, script, words, wordTotal, grams, gramTotal });
      }
    }
    return { models, vocabularySize: Math.max(allGrams.size, 1) };
  }

  /** The detector from {@link count}'s counts. */
  static fromCounts(counts: DetectorCounts): LanguageDetector {
    return new LanguageDetector(counts.models, counts.vocabularySize);
  }

  get languages(): string[] {
    return [...this.#languages];
  }

  /** `tokens` are `tokenize(text)`, when the caller has them already. */
  detect(text: string, options: { remembered?: string; hint?: string } = {}, tokens: readonly string[] = tokenize(text)): LanguageGuess {
    if (this.#languages.length === 0) return { language: options.remembered ?? 'en', confidence: 0, scores: {} };
    const script = scriptOf(text);
    const candidates = this.#candidates[script];
    const count = this.models.length;
    // Each candidate's score: priors, then every word, then every gram, added in that order.
    const totals = new Float64Array(count);
    for (const m of candidates) {
      const model = this.models[m] as Model;
      let score = 0;
      if (model.language === options.remembered) score += Math.log(6);
      if (model.language === options.hint) score += Math.log(2);
      totals[m] = score;
    }
    for (const word of tokens) {
      if (/^\p{N}/u.test(word)) continue;
      const index = this.#wordIndex.get(word);
      const scores = index === undefined ? this.#unseenWord : this.#wordScores;
      const at = index === undefined ? 0 : index * count;
      for (const m of candidates) totals[m] = (totals[m] as number) + (scores[at + m] as number);
    }
    // charGrams(text), in the same order, as numeric codes
    const add = (index: number) => {
      const scores = index === -1 ? this.#unseenGram : this.#gramScores;
      const at = index === -1 ? 0 : index * count;
      for (const m of candidates) totals[m] = (totals[m] as number) + (scores[at + m] as number);
    };
    const lower = gramText(text);
    if (lower.trim() !== '') {
      const grams = this.#gramByCode;
      for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= lower.length; i++) add(grams.find(lower, i, n, n));
      const folded = ` ${fold(lower).trim()} `;
      if (folded !== lower) for (let i = 0; i + 3 <= folded.length; i++) add(grams.find(folded, i, 3, FOLDED));
    }
    // best-scoring model per language (a language may have one per script)
    const logScores: Record<string, number> = {};
    for (const m of candidates) {
      const language = (this.models[m] as Model).language;
      logScores[language] = Math.max(logScores[language] ?? -Infinity, totals[m] as number);
    }
    const scored = Object.keys(logScores);
    let max = -Infinity;
    for (const language of scored) max = Math.max(max, logScores[language] as number);
    let sum = 0;
    const scores: Record<string, number> = {};
    for (const language of scored) {
      const score = Math.exp((logScores[language] ?? -Infinity) - max);
      scores[language] = score;
      sum += score;
    }
    for (const language of scored) scores[language] = (scores[language] as number) / sum;
    const best = scored.reduce((a, b) => ((scores[a] as number) >= (scores[b] as number) ? a : b));
    // the language to stay in: the player's remembered one, else the conversation's
    const remembered = options.remembered ?? options.hint;
    // Three letters or fewer ("ok", "hi 😀", "da", "si") are too little evidence to leave the
    // conversation's language, unless they are written in a script that language does not use.
    const rememberedFits = this.models.some((model) => model.language === remembered && (script === 'other' || model.script === script));
    if (remembered !== undefined && rememberedFits && (text.match(/\p{L}/gu) ?? []).length <= 3) {
      return { language: remembered, confidence: scores[remembered] ?? 0, scores };
    }
    // Stay in the conversation's language unless the evidence for another one is clear.
    const rememberedScore = remembered === undefined ? undefined : scores[remembered];
    if (remembered !== undefined && remembered !== best && rememberedScore !== undefined && (scores[best] ?? 0) < 0.75) {
      return { language: remembered, confidence: rememberedScore, scores };
    }
    return { language: best, confidence: scores[best] as number, scores };
  }
}

/** The text grams are taken from: lower case, letters and single spaces, padded with a space. */
function gramText(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
}

/** The kind of a folded trigram (`~abc`) in a {@link gramCode}. */
const FOLDED = 4;

/**
 * A gram as a number: its kind (1–3 for a gram of that many UTF-16 units, 4 for a folded trigram)
 * and up to three 16-bit units, packed below 2^53, so every gram has its own exact code.
 */
function gramCode(text: string, start: number, length: number, kind: number): number {
  let code = kind;
  for (let i = 0; i < 3; i++) code = code * 65_536 + (i < length ? text.charCodeAt(start + i) : 0);
  return code;
}

/**
 * Gram codes → gram indices in an open-addressing table over typed arrays: a lookup hashes the
 * gram's units where they are, allocating nothing (a Map keyed by these codes would box each one).
 */
class GramTable {
  readonly #codes: Float64Array;
  readonly #indices: Int32Array;
  readonly #mask: number;

  constructor(grams: ReadonlyMap<string, number>) {
    let size = 16;
    while (size < grams.size * 2) size *= 2;
    this.#codes = new Float64Array(size);
    this.#indices = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (const [gram, index] of grams) {
      const [start, length, kind] = gram.startsWith('~') ? [1, 3, FOLDED] : [0, gram.length, gram.length];
      const code = gramCode(gram, start, length, kind);
      let slot = gramHash(gram, start, length, kind) & this.#mask;
      while (this.#indices[slot] !== -1 && this.#codes[slot] !== code) slot = (slot + 1) & this.#mask;
      this.#codes[slot] = code;
      this.#indices[slot] = index;
    }
  }

  /** The index of the gram `text[start … start + length)` of `kind`, or -1. */
  find(text: string, start: number, length: number, kind: number): number {
    const code = gramCode(text, start, length, kind);
    let slot = gramHash(text, start, length, kind) & this.#mask;
    for (;;) {
      const index = this.#indices[slot] as number;
      if (index === -1 || this.#codes[slot] === code) return index;
      slot = (slot + 1) & this.#mask;
    }
  }
}

function gramHash(text: string, start: number, length: number, kind: number): number {
  let hash = Math.imul(kind, 0x9e3779b1);
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ text.charCodeAt(start + i), 0x85ebca6b) ^ (hash >>> 13);
  return hash >>> 0;
}

function charGrams(text: string): string[] {
  const lower = gramText(text);
  const grams: string[] = [];
  if (lower.trim() === '') return grams;
  for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= lower.length; i++) grams.push(lower.slice(i, i + n));
  // folded trigrams too, so "contrasena" and "contraseña" share evidence
  const folded = ` ${fold(lower).trim()} `;
  if (folded !== lower) for (let i = 0; i + 3 <= folded.length; i++) grams.push(`~${folded.slice(i, i + 3)}`);
  return grams;
}
