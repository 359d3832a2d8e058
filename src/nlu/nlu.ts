import type { Parsed, Understanding } from '../dialogue/ports.js';
import { FeatureCache, fitTemperature, IntentClassifier, type ClassifierOptions, type TrainingExample } from './classifier.js';
import { builtInEntities, EntityMatcher, type Entity } from './entities.js';
import type { Corpus } from './intent-file.js';
import { LanguageDetector, type LanguageGuess } from './language.js';
import { tokenize } from './normalise.js';

/** The label under which out-of-scope examples are learned; never returned as an intent. */
export const OUT_OF_SCOPE = '__out_of_scope__';

/**
 * Classifier options for intent content (a few hundred to a few thousand examples per language):
 * four passes, no word-context features ({@link ClassifierOptions.context}) and no feature dropout.
 * Both help on the benchmarks, not on the shipped content (5-fold cross-validation, mean over the
 * languages: 0.966 as here, 0.964 with the context features, 0.964 with dropout 0.4); without the
 * context features training is faster (hot reload) and close calls such as "thanks, bye" stay
 * ambiguous instead of being decided by the first word.
 */
export const CONTENT_CLASSIFIER: ClassifierOptions = { epochs: 4, context: false, dropout: 0 };

export interface NluOptions {
  /** Calibrated confidence under which the message is out of scope (intent null). Default 0.45. */
  readonly threshold?: number;
  /** Top-two margin under which a parse is ambiguous ("did you mean…?"). Default 0.2. */
  readonly ambiguityMargin?: number;
  /**
   * Classifier options. Default {@link CONTENT_CLASSIFIER}: four passes without word-context
   * features, which on the shipped content cross-validate as well as six passes with them and keep
   * training all five languages under a second.
   */
  readonly classifier?: ClassifierOptions;
  /**
   * The confidence temperature is fitted on held-out scores: the examples are split in this many
   * stratified folds; 0 disables calibration. Default 2.
   */
  readonly calibrationFolds?: number;
  /**
   * How many of those folds are held out in turn (one training each). Default 1: a model trained on
   * half the examples scores the other half, which keeps training all five shipped languages under
   * a second for hot reload.
   */
  readonly calibrationRounds?: number;
  readonly now?: () => Date;
  /**
   * The NLU this one replaces (hot reload): a language whose examples, out-of-scope texts and
   * options are exactly what `previous` was trained on keeps its trained, calibrated model instead
   * of training again, so an edit to one language's intents (or to flows only) retrains that
   * language alone (or nothing).
   */
  readonly previous?: Nlu;
}

/** What each language's model was trained from, per Nlu, for {@link NluOptions.previous}. */
const trainedFrom = new WeakMap<Nlu, ReadonlyMap<string, { readonly key: string; readonly model: IntentClassifier }>>();

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

  /** `tokens` are `tokenize(text)`, when the caller has them already. */
  classify(
    text: string,
    language: string,
    tokens?: readonly string[],
  ): { intent: string | null; confidence: number; ranking: { intent: string; confidence: number }[]; ambiguous: boolean } {
    const model = this.models.get(language) ?? this.models.values().next().value;
    if (!model) return { intent: null, confidence: 0, ranking: [], ambiguous: false };
    const predictions = model.predict(text, 4, tokens);
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

  /**
   * The language of one message: `remembered` is the player's language, `hint` the conversation's
   * (or the widget's locale); short or unclear messages ("ok", "bonus", "hi 😀") stay in it.
   */
  detectLanguage(text: string, options: { remembered?: string; hint?: string } = {}): LanguageGuess {
    return this.detector.detect(text, options);
  }

  /**
   * Everything the dialogue needs about one message, synchronously (well under a millisecond):
   * language (with confidence), intent (null when out of scope or under the threshold), calibrated
   * confidence, the top three intents, whether the top two are too close to call, and entities.
   */
  parse(text: string, options: { remembered?: string; hint?: string } = {}): NluParse {
    // The detector, the classifier and the entity matcher all work on the same folded tokens.
    const tokens = tokenize(text);
    const guess = this.detector.detect(text, options, tokens);
    const { intent, confidence, ranking, ambiguous } = this.classify(text, guess.language, tokens);
    const matcher = this.matchers.get(guess.language);
    const entities = [...builtInEntities(text, this.options.now()), ...(matcher ? matcher.match(text, tokens) : [])];
    return { text, language: guess.language, languageConfidence: guess.confidence, intent, confidence, ranking, ambiguous, entities };
  }
}

/** Trains one classifier per language, calibrates it, and builds the detector and entity matchers. */
export function createNlu(corpus: Corpus, options: NluOptions = {}): Nlu {
  const models = new Map<string, IntentClassifier>();
  const matchers = new Map<string, EntityMatcher>();
  const trained = new Map<string, { key: string; model: IntentClassifier }>();
  const reusable = options.previous ? trainedFrom.get(options.previous) : undefined;
  for (const [language, entry] of corpus) {
    const examples: TrainingExample[] = entry.examples.map((e) => ({ text: e.text, label: e.intent }));
    if (entry.outOfScope.length >= 5) examples.push(...entry.outOfScope.map((text) => ({ text, label: OUT_OF_SCOPE })));
    if (examples.length === 0) continue;
    const classifier = options.classifier ?? CONTENT_CLASSIFIER;
    const folds = options.calibrationFolds ?? 2;
    const rounds = options.calibrationRounds ?? 1;
    const key = JSON.stringify([examples, classifier, folds, rounds]);
    let model = reusable?.get(language)?.key === key ? reusable.get(language)?.model : undefined;
    if (!model) {
      // same options → same features: featurise every text once for the folds and the final model
      const cache = new FeatureCache(language, classifier);
      const temperature =
        folds >= 2 && examples.length >= folds * 10 ? fitTemperatureByFolds(examples, language, folds, classifier, cache, rounds) : 1;
      model = IntentClassifier.train(examples, language, classifier, cache);
      model.setTemperature(temperature);
    }
    models.set(language, model);
    trained.set(language, { key, model });
    matchers.set(language, new EntityMatcher(entry.entities));
  }
  const nlu = new Nlu(LanguageDetector.train(corpus), models, matchers, {
    threshold: options.threshold ?? 0.45,
    ambiguityMargin: options.ambiguityMargin ?? 0.2,
    now: options.now ?? (() => new Date()),
  });
  trainedFrom.set(nlu, trained);
  return nlu;
}

/**
 * Temperature fitted on out-of-fold scores: the examples are split in `folds` stratified parts, a
 * model trained without each part scores it, and one temperature is fitted on all those scores, so
 * confidences mean the same in every language.
 */
function fitTemperatureByFolds(
  examples: readonly TrainingExample[],
  language: string,
  folds: number,
  options: ClassifierOptions | undefined,
  cache: FeatureCache,
  rounds = folds,
): number {
  const foldOf = stratify(
    examples.map((e) => e.label),
    folds,
  );
  const rows: { logits: Float32Array; target: number }[] = [];
  // The first `rounds` folds are held out in turn (all of them by default; hot reload uses one).
  for (let fold = 0; fold < Math.min(folds, rounds); fold++) {
    const train = examples.filter((_, index) => foldOf[index] !== fold);
    if (new Set(train.map((e) => e.label)).size < 2) continue;
    const model = IntentClassifier.train(train, language, options, cache);
    examples.forEach((example, index) => {
      if (foldOf[index] !== fold) return;
      const target = model.labels.indexOf(example.label);
      if (target >= 0) rows.push({ logits: model.logits(example.text), target });
    });
  }
  return fitTemperature(rows);
}

/** Assigns each item to a fold so that every label is spread evenly over the folds. */
export function stratify(labels: readonly string[], folds: number): number[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const n = seen.get(label) ?? 0;
    seen.set(label, n + 1);
    return n % folds;
  });
}
