import type { Parsed, Understanding } from '../dialogue/ports.js';
import { IntentClassifier, type ClassifierOptions, type TrainingExample } from './classifier.js';
import { builtInEntities, EntityMatcher, type Entity } from './entities.js';
import type { Corpus } from './intent-file.js';
import { LanguageDetector } from './language.js';

/** The label under which out-of-scope examples are learned; never returned as an intent. */
export const OUT_OF_SCOPE = '__out_of_scope__';

export interface NluOptions {
  /** Calibrated confidence under which the message is out of scope (intent null). Default 0.45. */
  readonly threshold?: number;
  /** Top-two margin under which a parse is ambiguous ("did you mean…?"). Default 0.15. */
  readonly ambiguityMargin?: number;
  readonly classifier?: ClassifierOptions;
  /** Folds for fitting the confidence temperature; 0 disables calibration. Default 3. */
  readonly calibrationFolds?: number;
  readonly now?: () => Date;
}

export interface NluParse extends Parsed {
  readonly text: string;
  readonly entities: readonly Entity[];
}

/**
 * The NLU as the dialogue uses it: detects the language (with the player's remembered language as
 * prior), classifies the intent with that language's model, reports calibrated confidence, ambiguity
 * and out-of-scope, and extracts entities. Pure and synchronous: training happens off to the side
 * and the result is swapped in whole on hot reload.
 *
 * @example const nlu = createNlu(corpus); nlu.parse('donde esta mi retirada', { remembered: 'es' })
 */
export class Nlu implements Understanding {
  constructor(
    private readonly detector: LanguageDetector,
    private readonly models: ReadonlyMap<string, IntentClassifier>,
    private readonly matchers: ReadonlyMap<string, EntityMatcher>,
    private readonly options: Required<Pick<NluOptions, 'threshold' | 'ambiguityMargin'>> & { now: () => Date },
  ) {}

  get languages(): readonly string[] {
    return [...this.models.keys()];
  }

  classify(
    text: string,
    language: string,
  ): { intent: string | null; confidence: number; ranking: { intent: string; confidence: number }[]; ambiguous: boolean } {
    const model = this.models.get(language) ?? this.models.values().next().value;
    if (!model) return { intent: null, confidence: 0, ranking: [], ambiguous: false };
    const predictions = model.predict(text, 4);
    const ranking = predictions
      .filter((p) => p.label !== OUT_OF_SCOPE)
      .slice(0, 3)
      .map((p) => ({ intent: p.label, confidence: p.probability }));
    const top = predictions[0];
    if (!top || top.label === OUT_OF_SCOPE || top.probability < this.options.threshold) {
      return {
        intent: null,
        confidence: top?.label === OUT_OF_SCOPE ? 1 - top.probability : (top?.probability ?? 0),
        ranking,
        ambiguous: false,
      };
    }
    const second = ranking[1];
    const ambiguous = second !== undefined && top.probability - second.confidence < this.options.ambiguityMargin;
    return { intent: top.label, confidence: top.probability, ranking, ambiguous };
  }

  parse(text: string, options: { remembered?: string; hint?: string } = {}): NluParse {
    const guess = this.detector.detect(text, options);
    const { intent, confidence, ranking, ambiguous } = this.classify(text, guess.language);
    const matcher = this.matchers.get(guess.language);
    const entities = [...builtInEntities(text, this.options.now()), ...(matcher ? matcher.match(text) : [])];
    return { text, language: guess.language, languageConfidence: guess.confidence, intent, confidence, ranking, ambiguous, entities };
  }
}

/** Trains one classifier per language, calibrates it, and builds the detector and entity matchers. */
export function createNlu(corpus: Corpus, options: NluOptions = {}): Nlu {
  const models = new Map<string, IntentClassifier>();
  const matchers = new Map<string, EntityMatcher>();
  for (const [language, entry] of corpus) {
    const examples: TrainingExample[] = entry.examples.map((e) => ({ text: e.text, label: e.intent }));
    if (entry.outOfScope.length >= 5) examples.push(...entry.outOfScope.map((text) => ({ text, label: OUT_OF_SCOPE })));
    if (examples.length === 0) continue;
    const model = IntentClassifier.train(examples, language, options.classifier);
    const folds = options.calibrationFolds ?? 3;
    if (folds >= 2 && examples.length >= folds * 10) model.setTemperature(fitTemperature(examples, language, folds, options.classifier));
    models.set(language, model);
    matchers.set(language, new EntityMatcher(entry.entities));
  }
  return new Nlu(LanguageDetector.train(corpus), models, matchers, {
    threshold: options.threshold ?? 0.45,
    ambiguityMargin: options.ambiguityMargin ?? 0.15,
    now: options.now ?? (() => new Date()),
  });
}

/** Temperature fitted on out-of-fold predictions, so confidences mean the same in every language. */
function fitTemperature(examples: readonly TrainingExample[], language: string, folds: number, options?: ClassifierOptions): number {
  const heldOut: { model: IntentClassifier; examples: TrainingExample[] }[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((_, index) => index % folds !== fold);
    const test = examples.filter((_, index) => index % folds === fold);
    heldOut.push({ model: IntentClassifier.train(train, language, options), examples: test });
  }
  // one temperature for all folds: fit on the first fold's model, averaged over folds
  const temperatures = heldOut.map(({ model, examples: test }) => model.calibrate(test));
  return temperatures.reduce((a, b) => a + b, 0) / temperatures.length;
}
