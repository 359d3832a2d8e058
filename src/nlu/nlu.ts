import type { Parsed, Understanding } from '../dialogue/ports.js';
import {
  FeatureCache,
  fitTemperature,
  IntentClassifier,
  type ClassifierOptions,
  type ModelData,
  type TrainingExample,
} from './classifier.js';
import { builtInEntities, EntityMatcher, type Entity } from './entities.js';
import type { Corpus } from './intent-file.js';
import { LanguageDetector, type DetectorCorpus, type DetectorCounts, type LanguageGuess } from './language.js';
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

/**
 * One language's training: what {@link createNlu} runs on its own thread and a
 * {@link Trainer} (the worker pool) runs elsewhere. Plain data, so it crosses to a worker as is.
 */
export interface LanguageJob {
  readonly language: string;
  readonly examples: readonly TrainingExample[];
  readonly classifier: ClassifierOptions;
  /** Calibration folds ({@link NluOptions.calibrationFolds}) and how many are held out in turn. */
  readonly folds: number;
  readonly rounds: number;
}

/**
 * Trains a job's parts somewhere else (in worker threads): the temperature and the model are two
 * independent trainings, so a pool can run them side by side.
 */
export interface Trainer {
  temperature(job: LanguageJob): Promise<number>;
  model(job: LanguageJob): Promise<ModelData>;
  /** The language detector's counts ({@link LanguageDetector.count}). */
  detector(corpus: DetectorCorpus): Promise<DetectorCounts>;
}

/** The softmax temperature of a job's model, fitted on out-of-fold scores (1 when it has too few examples). */
export function jobTemperature(job: LanguageJob, cache = new FeatureCache(job.language, job.classifier)): number {
  const { examples, language, folds, classifier, rounds } = job;
  return folds >= 2 && examples.length >= folds * 10 ? fitTemperatureByFolds(examples, language, folds, classifier, cache, rounds) : 1;
}

/** A job's model, trained on all its examples (temperature 1: set {@link jobTemperature}'s). */
export function jobModel(job: LanguageJob, cache = new FeatureCache(job.language, job.classifier)): IntentClassifier {
  return IntentClassifier.train(job.examples, job.language, job.classifier, cache);
}

interface LanguagePlan {
  readonly language: string;
  /** What the model is trained from, for {@link NluOptions.previous}. */
  readonly key: string;
  readonly job: LanguageJob;
  /** The previous NLU's model, when it was trained from exactly this. */
  readonly reused: IntentClassifier | undefined;
}

/** What each language of the corpus needs: its training, or the previous NLU's model. */
function plan(corpus: Corpus, options: NluOptions): LanguagePlan[] {
  const reusable = options.previous ? trainedFrom.get(options.previous) : undefined;
  const plans: LanguagePlan[] = [];
  for (const [language, entry] of corpus) {
    const examples: TrainingExample[] = entry.examples.map((e) => ({ text: e.text, label: e.intent }));
    if (entry.outOfScope.length >= 5) examples.push(...entry.outOfScope.map((text) => ({ text, label: OUT_OF_SCOPE })));
    if (examples.length === 0) continue;
    const classifier = options.classifier ?? CONTENT_CLASSIFIER;
    const folds = options.calibrationFolds ?? 2;
    const rounds = options.calibrationRounds ?? 1;
    const key = JSON.stringify([examples, classifier, folds, rounds]);
    const previous = reusable?.get(language);
    plans.push({
      language,
      key,
      job: { language, examples, classifier, folds, rounds },
      reused: previous?.key === key ? previous.model : undefined,
    });
  }
  return plans;
}

/** The NLU from trained models: the language detector (trained here) and the entity matchers. */
function assemble(
  corpus: Corpus,
  trained: ReadonlyMap<string, { key: string; model: IntentClassifier }>,
  options: NluOptions,
  detector = LanguageDetector.train(corpus),
): Nlu {
  const models = new Map<string, IntentClassifier>();
  const matchers = new Map<string, EntityMatcher>();
  for (const [language, entry] of corpus) {
    const model = trained.get(language)?.model;
    if (!model) continue;
    models.set(language, model);
    matchers.set(language, new EntityMatcher(entry.entities));
  }
  const nlu = new Nlu(detector, models, matchers, {
    threshold: options.threshold ?? 0.45,
    ambiguityMargin: options.ambiguityMargin ?? 0.2,
    now: options.now ?? (() => new Date()),
  });
  trainedFrom.set(nlu, trained);
  return nlu;
}

/** Trains one classifier per language, calibrates it, and builds the detector and entity matchers. */
export function createNlu(corpus: Corpus, options: NluOptions = {}): Nlu {
  const trained = new Map<string, { key: string; model: IntentClassifier }>();
  for (const { language, key, job, reused } of plan(corpus, options)) {
    let model = reused;
    if (!model) {
      // same options → same features: featurise every text once for the folds and the final model
      const cache = new FeatureCache(language, job.classifier);
      const temperature = jobTemperature(job, cache);
      model = jobModel(job, cache);
      model.setTemperature(temperature);
    }
    trained.set(language, { key, model });
  }
  return assemble(corpus, trained, options);
}

/**
 * {@link createNlu} with the trainings run by `trainer` (the worker pool, {@link TrainingPool}):
 * every language's temperature and model and the language detector's counts at once, so a hot
 * reload neither blocks the bot nor waits for the languages one after another: this thread only
 * puts the results together. Same result as createNlu, to the bit.
 */
export async function trainNlu(corpus: Corpus, trainer: Trainer, options: NluOptions = {}): Promise<Nlu> {
  const plans = plan(corpus, options);
  // longest jobs first, so the threads finish together: the detector, the models, then the half-size calibration models
  const counts = trainer.detector(corpus);
  const models = plans.map(({ job, reused }) => (reused ? undefined : trainer.model(job)));
  const pending = plans.map(({ job, reused }, i) =>
    reused ? undefined : Promise.all([trainer.temperature(job), models[i] as Promise<ModelData>] as const),
  );
  // nothing rejects unobserved while an earlier one is awaited
  for (const promise of [counts, ...models, ...pending]) promise?.catch(() => undefined);
  const trained = new Map<string, { key: string; model: IntentClassifier }>();
  for (let i = 0; i < plans.length; i++) {
    const { language, key, reused } = plans[i] as LanguagePlan;
    let model = reused;
    if (!model) {
      const [temperature, data] = await (pending[i] as Promise<readonly [number, ModelData]>);
      model = IntentClassifier.fromData(data);
      model.setTemperature(temperature);
    }
    trained.set(language, { key, model });
  }
  return assemble(corpus, trained, options, LanguageDetector.fromCounts(await counts));
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
