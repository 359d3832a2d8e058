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
  private constructor(
    private readonly models: readonly Model[],
    private readonly vocabularySize: number,
  ) {}

  static train(corpus: Corpus): LanguageDetector {
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
    return new LanguageDetector(models, Math.max(allGrams.size, 1));
  }

  get languages(): string[] {
    return [...new Set(this.models.map((model) => model.language))];
  }

  detect(text: string, options: { remembered?: string; hint?: string } = {}): LanguageGuess {
    const languages = this.languages;
    if (languages.length === 0) return { language: options.remembered ?? 'en', confidence: 0, scores: {} };
    const script = scriptOf(text);
    const candidates = this.models.filter((model) => script === 'other' || model.script === script);
    const words = tokenize(text).filter((word) => !/^\p{N}/u.test(word));
    const grams = charGrams(text);
    // best-scoring model per language (a language may have one per script)
    const logScores: Record<string, number> = {};
    for (const model of candidates.length > 0 ? candidates : this.models) {
      let score = 0;
      if (model.language === options.remembered) score += Math.log(6);
      if (model.language === options.hint) score += Math.log(2);
      for (const word of words) score += 1.5 * Math.log(((model.words.get(word) ?? 0) + 0.1) / (model.wordTotal + 0.1 * 50_000));
      for (const gram of grams)
        score += 0.35 * Math.log(((model.grams.get(gram) ?? 0) + 0.5) / (model.gramTotal + 0.5 * this.vocabularySize));
      logScores[model.language] = Math.max(logScores[model.language] ?? -Infinity, score);
    }
    const scored = Object.keys(logScores);
    const max = Math.max(...Object.values(logScores));
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
    const letters = (text.match(/\p{L}/gu) ?? []).length;
    const rememberedFits = this.models.some((model) => model.language === remembered && (script === 'other' || model.script === script));
    if (remembered !== undefined && letters <= 3 && rememberedFits) {
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

function charGrams(text: string): string[] {
  const lower = ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  const grams: string[] = [];
  if (lower.trim() === '') return grams;
  for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= lower.length; i++) grams.push(lower.slice(i, i + n));
  // folded trigrams too, so "contrasena" and "contraseña" share evidence
  const folded = ` ${fold(lower).trim()} `;
  if (folded !== lower) for (let i = 0; i + 3 <= folded.length; i++) grams.push(`~${folded.slice(i, i + 3)}`);
  return grams;
}
