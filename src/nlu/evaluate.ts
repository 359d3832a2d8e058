import type { ClassifierOptions, TrainingExample } from './classifier.js';
import type { Corpus } from './intent-file.js';
import { LanguageDetector } from './language.js';
import { createNlu, OUT_OF_SCOPE, stratify, type NluOptions } from './nlu.js';

export { stratify };

/** Accuracy, macro-F1, per-intent precision/recall and the most-confused pairs of a labelled run. */
export interface Metrics {
  readonly examples: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perIntent: Record<string, { precision: number; recall: number; support: number }>;
  readonly confused: { expected: string; predicted: string; count: number }[];
}

/** `predicted` null means "out of scope". */
export function metrics(pairs: readonly { expected: string; predicted: string | null }[]): Metrics {
  const labels = [...new Set(pairs.map((p) => p.expected))].sort();
  const perIntent: Metrics['perIntent'] = {};
  let f1Sum = 0;
  for (const label of labels) {
    const tp = pairs.filter((p) => p.expected === label && p.predicted === label).length;
    const fp = pairs.filter((p) => p.expected !== label && p.predicted === label).length;
    const fn = pairs.filter((p) => p.expected === label && p.predicted !== label).length;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    perIntent[label] = { precision, recall, support: tp + fn };
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  const confusion = new Map<string, number>();
  for (const p of pairs) {
    if (p.predicted === p.expected) continue;
    const key = `${p.expected}\u0000${p.predicted ?? '(out of scope)'}`;
    confusion.set(key, (confusion.get(key) ?? 0) + 1);
  }
  const confused = [...confusion.entries()]
    .map(([key, count]) => {
      const [expected = '', predicted = ''] = key.split('\u0000');
      return { expected, predicted, count };
    })
    .sort((a, b) => b.count - a.count)
    .slice(0, 10);
  return {
    examples: pairs.length,
    accuracy: pairs.length === 0 ? 0 : pairs.filter((p) => p.predicted === p.expected).length / pairs.length,
    macroF1: labels.length === 0 ? 0 : f1Sum / labels.length,
    perIntent,
    confused,
  };
}

export interface LanguageEvaluation {
  readonly language: string;
  readonly folds: number;
  readonly intents: Metrics;
  /**
   * Share of held-out examples whose best-ranked intent is right, before the out-of-scope threshold
   * (`intents.accuracy` counts a correct intent below the threshold, i.e. a fallback, as wrong).
   */
  readonly top1Accuracy: number;
  /** Share of the out_of_scope examples the held-out model rejected (intent null). */
  readonly outOfScopeRecall: number | null;
  /** Language detection accuracy on short messages (≤ 3 words) of this language, without a prior. */
  readonly shortLanguageAccuracy: number;
  readonly shortMessages: number;
  /** Time to train the full model for this language, in ms. */
  readonly trainMs: number;
}

/**
 * Stratified k-fold cross-validation of the shipped content, per language: every example (and
 * every out-of-scope example) is predicted by a model that never saw it.
 */
export function crossValidate(
  corpus: Corpus,
  options: { folds?: number; classifier?: ClassifierOptions; nlu?: NluOptions; onProgress?: (done: number, total: number) => void } = {},
): LanguageEvaluation[] {
  const folds = options.folds ?? 5;
  const results: LanguageEvaluation[] = [];
  const languages = [...corpus.keys()];
  const total = languages.length * folds;
  let done = 0;
  const detector = LanguageDetector.train(corpus);
  for (const language of languages) {
    const entry = corpus.get(language);
    if (!entry) continue;
    const foldOf = stratify(
      entry.examples.map((e) => e.intent),
      folds,
    );
    const oosFold = entry.outOfScope.map((_, index) => index % folds);
    const pairs: { expected: string; predicted: string | null }[] = [];
    let top1 = 0;
    let oosRejected = 0;
    for (let fold = 0; fold < folds; fold++) {
      const train = new Map(corpus);
      train.set(language, {
        ...entry,
        examples: entry.examples.filter((_, i) => foldOf[i] !== fold),
        outOfScope: entry.outOfScope.filter((_, i) => oosFold[i] !== fold),
      });
      const nlu = createNlu(new Map([[language, train.get(language)!]]), {
        ...options.nlu,
        ...(options.classifier ? { classifier: options.classifier } : {}),
      });
      entry.examples.forEach((example, i) => {
        if (foldOf[i] !== fold) return;
        const predicted = nlu.classify(example.text, language);
        pairs.push({ expected: example.intent, predicted: predicted.intent });
        if (predicted.ranking[0]?.intent === example.intent) top1++;
      });
      entry.outOfScope.forEach((text, i) => {
        if (oosFold[i] === fold && nlu.classify(text, language).intent === null) oosRejected++;
      });
      options.onProgress?.(++done, total);
    }
    const started = performance.now();
    createNlu(new Map([[language, entry]]), { ...(options.classifier ? { classifier: options.classifier } : {}) });
    const trainMs = performance.now() - started;
    const short = entry.examples.filter((e) => e.text.trim().split(/\s+/).length <= 3);
    const shortCorrect = short.filter((e) => detector.detect(e.text).language === language).length;
    results.push({
      language,
      folds,
      intents: metrics(pairs),
      top1Accuracy: pairs.length === 0 ? 0 : top1 / pairs.length,
      outOfScopeRecall: entry.outOfScope.length > 0 ? oosRejected / entry.outOfScope.length : null,
      shortLanguageAccuracy: short.length === 0 ? 0 : shortCorrect / short.length,
      shortMessages: short.length,
      trainMs,
    });
  }
  return results;
}

/** Train on one split, report on another; `outOfScope` examples should come back null. */
export function evaluateSplit(
  train: readonly TrainingExample[],
  test: readonly TrainingExample[],
  language: string,
  options: { classifier?: ClassifierOptions; threshold?: number } = {},
): { metrics: Metrics; outOfScopeRecall: number | null; trainMs: number } {
  const started = performance.now();
  const corpus = new Map([
    [
      language,
      {
        language,
        examples: train.filter((e) => e.label !== OUT_OF_SCOPE).map((e) => ({ text: e.text, intent: e.label })),
        outOfScope: train.filter((e) => e.label === OUT_OF_SCOPE).map((e) => e.text),
        entities: [],
      },
    ],
  ]);
  const nlu = createNlu(corpus, {
    ...(options.classifier ? { classifier: options.classifier } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
  });
  const trainMs = performance.now() - started;
  const inScope = test.filter((e) => e.label !== OUT_OF_SCOPE);
  const oos = test.filter((e) => e.label === OUT_OF_SCOPE);
  const pairs = inScope.map((e) => ({ expected: e.label, predicted: nlu.classify(e.text, language).intent }));
  const rejected = oos.filter((e) => nlu.classify(e.text, language).intent === null).length;
  return { metrics: metrics(pairs), outOfScopeRecall: oos.length > 0 ? rejected / oos.length : null, trainMs };
}
