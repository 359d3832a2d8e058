import { CroupierError } from '../core/errors.js';
import { stem, tokenize } from './normalise.js';

/**
 * The intent classifier, written by hand because the benchmarks demand it (bench/RESULTS.md).
 *
 * Features: five TF-IDF blocks — folded words, stems, word bigrams (with the start and the end of the
 * message), skip-bigrams and trigrams, and character n-grams inside word boundaries (which carry
 * typos and missing accents) — with sublinear term frequency, each block L2-normalised and weighted. Model: an ensemble of multinomial logistic regression, a
 * Crammer–Singer multi-class linear SVM (both trained by shuffled SGD over the same sparse rows, with
 * epoch-averaged weights) and multinomial naive Bayes; all three are linear in the same features, so
 * they are summed into ONE weight matrix and classifying costs a single sparse product. A softmax temperature
 * fitted on held-out data turns the scores into calibrated confidences, so one threshold means the
 * same thing in every language and on every dataset.
 *
 * @example const model = IntentClassifier.train(examples, 'es'); model.predict('no me llego el deposito', 3)
 */
export interface TrainingExample {
  readonly text: string;
  readonly label: string;
}

export interface ClassifierOptions {
  /** Passes over the data. Default 6. */
  readonly epochs?: number;
  /** Initial SGD step for the logistic regression; decays as rate / (1 + decay · epoch). Default 0.5. */
  readonly learningRate?: number;
  /** L2 penalty applied lazily to the weights a step touches. Default 1e-5. */
  readonly l2?: number;
  /** Weight of each feature block in the final vector. */
  readonly blocks?: Partial<Record<Block, number>>;
  /** Seed for the shuffles, so training is reproducible. */
  readonly seed?: number;
  /** Character n-gram sizes inside word boundaries. Default [2, 5]. */
  readonly charRange?: readonly [number, number];
  /**
   * Word-context features besides the word bigrams: bigrams with the start and the end of the
   * message (`b:<s> why`, `b:card </s>`, block `bigram`), skip-bigrams (`p:card _ arrive`) and word
   * trigrams (`p:my card has`, block `pair`). Default true.
   */
  readonly context?: boolean;
  /** Weight of the linear SVM's scores in the ensemble; 0 trains logistic regression only. Default 1. */
  readonly svm?: number;
  /** SVM step size. Default 0.1. */
  readonly svmRate?: number;
  /** Features seen in fewer training examples than this are dropped. Default 1 (keep all). */
  readonly minDf?: number;
  /**
   * Weight of a multinomial naive Bayes member (centred log-likelihoods over the same TF-IDF
   * features, folded into the same linear weights, so it costs nothing at classification time).
   * Default 0.3.
   */
  readonly nb?: number;
  /** Additive smoothing of the naive Bayes member. Default 0.1. */
  readonly nbAlpha?: number;
  /**
   * Class balancing: an example of a label with n examples weighs (n / mean n)^-balance in training,
   * so intents with many examples do not crowd out those with few. 0 weighs every example alike,
   * 1 gives every label the same total weight. Default 0.5.
   */
  readonly balance?: number;
  /** Extra weight of the examples of some labels, e.g. `{ __out_of_scope__: 3 }` for a broad, varied class. */
  readonly labelWeights?: Readonly<Record<string, number>>;
  /**
   * Novelty discount: each confidence is lowered by `novelty` × the share of the message's words
   * (numbers aside) that no training example contains, so a message made mostly of words the model
   * has never seen is not confidently forced into an intent. Default 0 (off).
   */
  readonly novelty?: number;
  /**
   * Labels named `group<separator>rest` (MASSIVE's and HWU64's `alarm_set`, `alarm_query`) share
   * what they have in common: a second model learns the groups, and `groupWeight` × its weights are
   * added to each member label's, so a rare label borrows from its siblings. Off unless set.
   */
  readonly groupSeparator?: string;
  /** Weight of the group model. Default 0.4. */
  readonly groupWeight?: number;
  /**
   * Feature dropout: in each training step, each feature of the example is left out with this
   * probability (the others scaled up to match). On the benchmarks' validation data it is as
   * accurate as none and makes training about a third faster, since a step touches fewer weights.
   * Default 0.4.
   */
  readonly dropout?: number;
}

export type Block = 'word' | 'stem' | 'bigram' | 'char' | 'pair';

const DEFAULT_BLOCKS: Record<Block, number> = { word: 1, stem: 0.6, bigram: 1, char: 1.3, pair: 0.6 };

/** What the features of a text are, besides the language. */
export interface FeatureSpec {
  readonly charRange: readonly [number, number];
  readonly context: boolean;
}

export function featureSpec(options: ClassifierOptions = {}): FeatureSpec {
  return { charRange: options.charRange ?? [2, 5], context: options.context ?? true };
}

/**
 * A trained model as plain data: what {@link IntentClassifier.toData} gives and
 * {@link IntentClassifier.fromData} takes. Structured-cloneable, so a model trained in a worker
 * thread crosses to the main thread whole (the typed arrays can be transferred, not copied).
 */
export interface ModelData {
  readonly language: string;
  readonly labels: readonly string[];
  /** Feature names in index order. */
  readonly features: readonly string[];
  readonly idf: Float32Array;
  readonly blockWeights: Float32Array;
  readonly spec: FeatureSpec;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly temperature: number;
  readonly novelty: number;
}

export interface Prediction {
  readonly label: string;
  readonly probability: number;
}

/** Rows of a sparse matrix: row i is indices/values[offsets[i] .. offsets[i+1]). */
interface SparseRows {
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

const BLOCK_NAMES: readonly Block[] = ['word', 'stem', 'bigram', 'char', 'pair'];
const NUMBER = /^\p{N}/u;

interface Scratch {
  readonly counts: Int32Array;
  readonly norms: Float64Array;
  size: number;
  indices: Int32Array;
  values: Float32Array;
}

/** Turns texts into feature indices of a fixed vocabulary; caches the features of each token. */
class Featurizer {
  /** Block of each feature index (0 word, 1 stem, 2 bigram, 3 char). */
  readonly blockOf: Uint8Array;
  readonly #tokenCache = new Map<string, Int32Array>();
  /** Reused by {@link vector}: per-feature counts (all zero between calls) and the vector itself. */
  #scratch: Scratch | undefined;

  constructor(
    readonly language: string,
    readonly vocabulary: ReadonlyMap<string, number>,
    readonly idf: Float32Array,
    readonly blockWeights: Float32Array,
    readonly spec: FeatureSpec,
  ) {
    this.blockOf = new Uint8Array(vocabulary.size);
    for (const [feature, index] of vocabulary) this.blockOf[index] = blockCode(feature);
  }

  /**
   * Sparse TF-IDF vector of a text; `tokens` are `tokenize(text)` when known. Classifying runs on
   * every message, so the vector is built in scratch arrays reused from call to call (classifying
   * is synchronous): `indices[0 … size)` in order of first appearance, `values` alongside, computed
   * exactly as {@link weighRow} computes them. Read it before the next call. `unknown` counts the words
   * (numbers aside) that no training example contains, `words` all of them.
   */
  vector(
    text: string,
    tokens: readonly string[] = tokenize(text),
  ): { size: number; indices: Int32Array; values: Float32Array; unknown: number; words: number } {
    const scratch = (this.#scratch ??= {
      counts: new Int32Array(this.vocabulary.size),
      norms: new Float64Array(BLOCK_NAMES.length),
      size: 0,
      indices: new Int32Array(64),
      values: new Float32Array(64),
    });
    const counts = scratch.counts;
    scratch.size = 0;
    let unknown = 0;
    let words = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      let cached = this.#tokenCache.get(token);
      if (!cached) {
        const ids: number[] = [];
        for (const feature of tokenFeatures(token, this.language, this.spec.charRange)) {
          const index = this.vocabulary.get(feature);
          if (index !== undefined) ids.push(index);
        }
        cached = Int32Array.from(ids);
        if (this.#tokenCache.size >= 50_000) this.#tokenCache.clear();
        this.#tokenCache.set(token, cached);
      }
      // a known word's `w:` feature comes first among its features
      if (!NUMBER.test(token)) {
        words++;
        if (cached.length === 0 || this.blockOf[cached[0] as number] !== 0) unknown++;
      }
      for (let k = 0; k < cached.length; k++) this.#add(scratch, cached[k]);
      const next = tokens[i + 1];
      if (next !== undefined) this.#add(scratch, this.vocabulary.get(bigram(token, next)));
      if (this.spec.context) for (const feature of contextFeatures(tokens, i)) this.#add(scratch, this.vocabulary.get(feature));
    }
    if (tokens.length === 0) this.#add(scratch, this.vocabulary.get('w:<empty>'));
    // weighRow(), on the scratch: the same operations in the same order
    const { size, indices, values, norms } = scratch;
    norms.fill(0);
    for (let k = 0; k < size; k++) {
      const index = indices[k] as number;
      const value = (1 + Math.log(counts[index] as number)) * (this.idf[index] as number);
      counts[index] = 0;
      values[k] = value;
      const block = this.blockOf[index] as number;
      norms[block] = (norms[block] as number) + value * value;
    }
    const weights = this.blockWeights;
    for (let b = 0; b < norms.length; b++) {
      const norm = norms[b] as number;
      norms[b] = norm > 0 ? (weights[b] as number) / Math.sqrt(norm) : 0;
    }
    for (let k = 0; k < size; k++) values[k] = (values[k] as number) * (norms[this.blockOf[indices[k] as number] as number] as number);
    return { size, indices, values, unknown, words };
  }

  /** Counts one occurrence of a feature; the first one also appends it to the vector. */
  #add(scratch: Scratch, index: number | undefined): void {
    if (index === undefined || index < 0) return;
    if (scratch.counts[index] === 0) {
      if (scratch.size === scratch.indices.length) {
        const grown = new Int32Array(scratch.size * 2);
        grown.set(scratch.indices);
        scratch.indices = grown;
        scratch.values = new Float32Array(scratch.size * 2);
      }
      scratch.indices[scratch.size++] = index;
    }
    scratch.counts[index] = (scratch.counts[index] as number) + 1;
  }

  /**
   * Sublinear TF × IDF of a training row, each block L2-normalised and scaled by its weight: feature
   * `indices[k]` (−1: dropped) occurs `counts[k]` times, in order of first appearance.
   */
  weighRow(indices: Int32Array, counts: Int32Array): { indices: Int32Array; values: Float32Array } {
    let size = 0;
    for (let k = 0; k < indices.length; k++) if ((indices[k] as number) >= 0) size++;
    const kept = new Int32Array(size);
    const values = new Float32Array(size);
    const norms = BLOCK_NAMES.map(() => 0);
    let at = 0;
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k] as number;
      if (index < 0) continue;
      const value = (1 + Math.log(counts[k] as number)) * (this.idf[index] as number);
      kept[at] = index;
      values[at] = value;
      const block = this.blockOf[index] as number;
      norms[block] = (norms[block] as number) + value * value;
      at++;
    }
    const scale = norms.map((norm, block) => (norm > 0 ? (this.blockWeights[block] as number) / Math.sqrt(norm) : 0));
    for (let k = 0; k < at; k++) values[k] = (values[k] as number) * (scale[this.blockOf[kept[k] as number] as number] as number);
    return { indices: kept, values };
  }
}

function blockCode(feature: string): number {
  switch (feature.charCodeAt(0)) {
    case 115: // s
      return 1;
    case 98: // b
      return 2;
    case 99: // c
      return 3;
    case 112: // p
      return 4;
    default:
      return 0;
  }
}

/**
 * Featurised texts for several trainings in one language (calibration folds, then the final model):
 * each distinct token is featurised once, every feature string gets one id, and each text is kept
 * as feature ids with counts (in order of first appearance, as {@link featureCounts} has them), so
 * a training maps ids instead of building and looking up strings.
 */
export class FeatureCache {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #tokens = new Map<string, Int32Array>();
  readonly #texts = new Map<string, { readonly ids: Int32Array; readonly counts: Int32Array }>();

  readonly spec: FeatureSpec;

  constructor(
    readonly language: string,
    options: ClassifierOptions = {},
  ) {
    this.spec = featureSpec(options);
  }

  /** Whether trainings in `language` with these feature options can use this cache. */
  fits(language: string, options: ClassifierOptions = {}): boolean {
    const spec = featureSpec(options);
    return (
      language === this.language &&
      spec.charRange[0] === this.spec.charRange[0] &&
      spec.charRange[1] === this.spec.charRange[1] &&
      spec.context === this.spec.context
    );
  }

  /** How many distinct features the cached texts have. */
  get size(): number {
    return this.#names.length;
  }

  name(id: number): string {
    return this.#names[id] as string;
  }

  /** The features of a text: ids and counts, in order of first appearance. */
  text(text: string): { readonly ids: Int32Array; readonly counts: Int32Array } {
    const cached = this.#texts.get(text);
    if (cached) return cached;
    const order: number[] = [];
    const counts = new Map<number, number>();
    const add = (id: number) => {
      const count = counts.get(id);
      if (count === undefined) {
        order.push(id);
        counts.set(id, 1);
      } else counts.set(id, count + 1);
    };
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      let ids = this.#tokens.get(token);
      if (!ids) {
        ids = Int32Array.from(tokenFeatures(token, this.language, this.spec.charRange), (feature) => this.#id(feature));
        this.#tokens.set(token, ids);
      }
      for (let k = 0; k < ids.length; k++) add(ids[k] as number);
      const next = tokens[i + 1];
      if (next !== undefined) add(this.#id(bigram(token, next)));
      if (this.spec.context) for (const feature of contextFeatures(tokens, i)) add(this.#id(feature));
    }
    if (tokens.length === 0) add(this.#id('w:<empty>'));
    const entry = { ids: Int32Array.from(order), counts: Int32Array.from(order, (id) => counts.get(id) as number) };
    this.#texts.set(text, entry);
    return entry;
  }

  #id(feature: string): number {
    let id = this.#ids.get(feature);
    if (id === undefined) {
      id = this.#names.length;
      this.#ids.set(feature, id);
      this.#names.push(feature);
    }
    return id;
  }
}

export class IntentClassifier {
  private constructor(
    readonly language: string,
    readonly labels: readonly string[],
    private readonly featurizer: Featurizer,
    /** Feature-major: weights[feature * classes + class]. LR and SVM already combined. */
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
    private temperature: number,
    private novelty: number,
  ) {}

  /**
   * Trains a model. `featureCache` lets several trainings on overlapping examples in one language
   * (calibration folds, then the final model) featurise each text once.
   */
  static train(
    examples: readonly TrainingExample[],
    language: string,
    options: ClassifierOptions = {},
    featureCache?: FeatureCache,
  ): IntentClassifier {
    if (examples.length === 0)
      throw new CroupierError('CROUPIER_NLU_NO_EXAMPLES', `cannot train a ${language} classifier without examples`);
    const blocks = { ...DEFAULT_BLOCKS, ...options.blocks };
    const spec = featureSpec(options);
    const labels = [...new Set(examples.map((example) => example.label))].sort();
    const labelIndex = new Map(labels.map((label, index) => [label, index]));

    // Feature ids and counts per example, then the vocabulary with document frequencies.
    const cache = featureCache?.fits(language, options) ? featureCache : new FeatureCache(language, options);
    const texts = examples.map((example) => cache.text(example.text));
    // Vocabulary in one pass: local indices in order of first appearance, document frequencies alongside.
    const localOf = new Int32Array(cache.size).fill(-1);
    const globalOf: number[] = [];
    let dfs: number[] = [];
    const rowIndices = texts.map(({ ids }) => {
      const local = new Int32Array(ids.length);
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k] as number;
        let index = localOf[id] as number;
        if (index < 0) {
          index = globalOf.length;
          localOf[id] = index;
          globalOf.push(id);
          dfs.push(0);
        }
        dfs[index] = (dfs[index] as number) + 1;
        local[k] = index;
      }
      return local;
    });
    const minDf = options.minDf ?? 1;
    let kept = globalOf;
    if (minDf > 1) {
      const remap = new Int32Array(dfs.length).fill(-1);
      const keptIds: number[] = [];
      const keptDfs: number[] = [];
      globalOf.forEach((id, index) => {
        if ((dfs[index] as number) < minDf && cache.name(id) !== 'w:<empty>') return;
        remap[index] = keptIds.length;
        keptIds.push(id);
        keptDfs.push(dfs[index] as number);
      });
      for (let r = 0; r < rowIndices.length; r++) rowIndices[r] = (rowIndices[r] as Int32Array).map((index) => remap[index] as number);
      kept = keptIds;
      dfs = keptDfs;
    }
    const vocabulary = new Map<string, number>();
    kept.forEach((id, index) => vocabulary.set(cache.name(id), index));
    const n = examples.length;
    const idf = new Float32Array(vocabulary.size);
    for (let i = 0; i < idf.length; i++) idf[i] = Math.log((1 + n) / (1 + (dfs[i] ?? 0))) + 1;
    const featurizer = new Featurizer(language, vocabulary, idf, Float32Array.from(BLOCK_NAMES.map((block) => blocks[block])), spec);

    // One flat sparse matrix for all rows.
    const offsets = new Int32Array(n + 1);
    const rows = texts.map(({ counts }, r) => featurizer.weighRow(rowIndices[r] as Int32Array, counts));
    let nnz = 0;
    rows.forEach((row, i) => {
      nnz += row.indices.length;
      offsets[i + 1] = nnz;
    });
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    rows.forEach((row, i) => {
      indices.set(row.indices, offsets[i]);
      values.set(row.values, offsets[i]);
    });
    const targets = Int32Array.from(examples, (example) => labelIndex.get(example.label) ?? 0);
    const rowsMatrix = { offsets, indices, values };
    const { weights, bias } = fit(rowsMatrix, targets, exampleWeights(targets, labels, options), vocabulary.size, labels.length, options);
    if (options.groupSeparator) addGroupModel(rowsMatrix, targets, labels, vocabulary.size, weights, bias, options);
    return new IntentClassifier(language, labels, featurizer, weights, bias, 1, options.novelty ?? 0);
  }

  /** The model as plain, structured-cloneable data ({@link fromData} gives it back, identical). */
  toData(): ModelData {
    const features = new Array<string>(this.featurizer.vocabulary.size);
    for (const [feature, index] of this.featurizer.vocabulary) features[index] = feature;
    return {
      language: this.language,
      labels: this.labels,
      features,
      idf: this.featurizer.idf,
      blockWeights: this.featurizer.blockWeights,
      spec: this.featurizer.spec,
      weights: this.weights,
      bias: this.bias,
      temperature: this.temperature,
      novelty: this.novelty,
    };
  }

  /** A model from {@link toData}'s data; checks the sizes, so corrupt data fails here, not in a parse. */
  static fromData(data: ModelData): IntentClassifier {
    const classes = data.labels.length;
    if (
      classes === 0 ||
      data.idf.length !== data.features.length ||
      data.weights.length !== data.features.length * classes ||
      data.bias.length !== classes ||
      data.blockWeights.length !== BLOCK_NAMES.length
    )
      throw new CroupierError('CROUPIER_NLU_BAD_MODEL', `the ${data.language} model data is inconsistent (sizes do not match)`);
    const vocabulary = new Map<string, number>();
    data.features.forEach((feature, index) => vocabulary.set(feature, index));
    const featurizer = new Featurizer(data.language, vocabulary, data.idf, data.blockWeights, data.spec);
    return new IntentClassifier(data.language, data.labels, featurizer, data.weights, data.bias, data.temperature, data.novelty);
  }

  /** Fits the softmax temperature on held-out examples (labels the model knows); returns it. */
  calibrate(examples: readonly TrainingExample[]): number {
    const rows = examples
      .map((example) => ({ logits: this.logits(example.text), target: this.labels.indexOf(example.label) }))
      .filter((row) => row.target >= 0);
    this.temperature = fitTemperature(rows, this.temperature);
    return this.temperature;
  }

  setTemperature(temperature: number): void {
    this.temperature = temperature;
  }

  get calibration(): number {
    return this.temperature;
  }

  /** Changes the novelty discount ({@link ClassifierOptions.novelty}) of a trained model. */
  setNovelty(novelty: number): void {
    this.novelty = novelty;
  }

  /** Raw scores per label, in `labels` order. `tokens` are `tokenize(text)`, when the caller has them already. */
  logits(text: string, tokens?: readonly string[]): Float32Array {
    return this.#scores(text, tokens).scores;
  }

  /** Raw scores and the share of the message's words no training example contains. */
  #scores(text: string, tokens?: readonly string[]): { scores: Float32Array; unknownShare: number } {
    const { size, indices, values, unknown, words } = this.featurizer.vector(text, tokens);
    const classes = this.labels.length;
    const scores = Float32Array.from(this.bias);
    const weights = this.weights;
    for (let k = 0; k < size; k++) {
      const row = (indices[k] as number) * classes;
      const value = values[k] as number;
      for (let c = 0; c < classes; c++) scores[c] = (scores[c] as number) + value * (weights[row + c] as number);
    }
    return { scores, unknownShare: words === 0 ? 0 : unknown / words };
  }

  /**
   * Labels with calibrated probabilities, best first (equal ones in label order), lowered by the
   * novelty discount when the model has one. `tokens` are `tokenize(text)`, when the caller has
   * them already.
   */
  predict(text: string, top = this.labels.length, tokens?: readonly string[]): Prediction[] {
    const { scores, unknownShare } = this.#scores(text, tokens);
    const probabilities = softmax(scores, this.temperature);
    const discount = this.novelty * unknownShare;
    // Selection instead of sorting every label: the same order as a stable sort, best first.
    const count = Math.min(Math.max(top, 0), this.labels.length);
    const picked = new Uint8Array(this.labels.length);
    const predictions: Prediction[] = [];
    for (let k = 0; k < count; k++) {
      let best = -1;
      for (let c = 0; c < probabilities.length; c++) {
        if (picked[c] === 0 && (best === -1 || (probabilities[c] as number) > (probabilities[best] as number))) best = c;
      }
      picked[best] = 1;
      predictions.push({ label: this.labels[best] as string, probability: Math.max(0, (probabilities[best] as number) - discount) });
    }
    return predictions;
  }
}

/** Minimises the mean negative log-likelihood over the temperature (golden-section, log space). */
export function fitTemperature(rows: readonly { logits: Float32Array; target: number }[], fallback = 1): number {
  if (rows.length === 0) return fallback;
  const maxima = rows.map((row) => row.logits.reduce((max, logit) => Math.max(max, logit), -Infinity));
  const floor = -Math.log(1e-12);
  // −log softmax(logits / t)[target], capped like log(max(p, 1e-12)), without building the softmax
  const nll = (t: number) => {
    let total = 0;
    for (let r = 0; r < rows.length; r++) {
      const { logits, target } = rows[r] as { logits: Float32Array; target: number };
      const max = (maxima[r] as number) / t;
      let sum = 0;
      for (let c = 0; c < logits.length; c++) sum += Math.exp((logits[c] as number) / t - max);
      total += Math.min(floor, Math.log(sum) - ((logits[target] ?? -Infinity) / t - max));
    }
    return total / rows.length;
  };
  // golden-section search in log space, each step reusing the inner point it keeps
  let lo = Math.log(0.02);
  let hi = Math.log(50);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let nllA = nll(Math.exp(a));
  let nllB = nll(Math.exp(b));
  for (let i = 0; i < 28; i++) {
    if (nllA < nllB) {
      hi = b;
      b = a;
      nllB = nllA;
      a = hi - phi * (hi - lo);
      nllA = nll(Math.exp(a));
    } else {
      lo = a;
      a = b;
      nllA = nllB;
      b = lo + phi * (hi - lo);
      nllB = nll(Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** The word, stem and character n-gram features of one token (`w:`, `s:`, `c:`). */
export function tokenFeatures(token: string, language: string, charRange: readonly [number, number] = [2, 5]): string[] {
  if (NUMBER.test(token)) return ['w:<num>'];
  const features = [`w:${token}`];
  const stemmed = stem(language, token);
  features.push(`s:${stemmed}`);
  const padded = `^${token}$`;
  for (let size = charRange[0]; size <= charRange[1]; size++) {
    for (let start = 0; start + size <= padded.length; start++) features.push(`c:${padded.slice(start, start + size)}`);
  }
  return features;
}

/** The bigram feature of two neighbouring tokens, with numbers folded to `<num>`. */
function bigram(first: string, second: string): string {
  return `b:${word(first)} ${word(second)}`;
}

/**
 * The word-context features at token `i` ({@link ClassifierOptions.context}): bigrams with the
 * start and the end of the message, the skip-bigram and the trigram that start at `i`; numbers are
 * folded to `<num>` as in bigrams.
 */
export function contextFeatures(tokens: readonly string[], i: number): string[] {
  const features: string[] = [];
  const token = word(tokens[i] as string);
  const next = tokens[i + 1];
  if (i === 0) features.push(`b:<s> ${token}`);
  if (next === undefined) {
    features.push(`b:${token} </s>`);
    return features;
  }
  const after = tokens[i + 2];
  if (after !== undefined) features.push(`p:${token} _ ${word(after)}`, `p:${token} ${word(next)} ${word(after)}`);
  return features;
}

/** A token as bigrams and context features have it: numbers folded to `<num>`. */
function word(token: string): string {
  return NUMBER.test(token) ? '<num>' : token;
}

/** Feature strings with counts: `w:word`, `s:stem`, `b:w1 w2`, `c:^gram$`, and those of {@link contextFeatures}. */
export function featureCounts(text: string, language: string, options: ClassifierOptions = {}): Map<string, number> {
  const spec = featureSpec(options);
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    for (const feature of tokenFeatures(tokens[i] as string, language, spec.charRange)) add(feature);
    const next = tokens[i + 1];
    if (next !== undefined) add(bigram(tokens[i] as string, next));
    if (spec.context) for (const feature of contextFeatures(tokens, i)) add(feature);
  }
  if (tokens.length === 0) add('w:<empty>');
  return counts;
}

export function softmax(logits: Float32Array, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, (logits[i] as number) / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) / temperature - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Folds a model of the label groups into the label weights (see {@link ClassifierOptions.groupSeparator}). */
function addGroupModel(
  rows: SparseRows,
  targets: Int32Array,
  labels: readonly string[],
  features: number,
  weights: Float32Array,
  bias: Float32Array,
  options: ClassifierOptions,
): void {
  const separator = options.groupSeparator as string;
  const groupOf = labels.map((label) => (label.includes(separator) ? label.slice(0, label.indexOf(separator)) : label));
  const groups = [...new Set(groupOf)];
  if (groups.length < 2 || groups.length === labels.length) return;
  const groupIndex = labels.map((_, label) => groups.indexOf(groupOf[label] as string));
  const groupTargets = targets.map((target) => groupIndex[target] as number);
  const group = fit(rows, groupTargets, exampleWeights(groupTargets, groups, options), features, groups.length, options);
  const lambda = options.groupWeight ?? 0.4;
  const classes = labels.length;
  for (let f = 0; f < features; f++) {
    for (let c = 0; c < classes; c++) {
      const at = f * classes + c;
      weights[at] = (weights[at] as number) + lambda * (group.weights[f * groups.length + (groupIndex[c] as number)] as number);
    }
  }
  for (let c = 0; c < classes; c++) bias[c] = (bias[c] as number) + lambda * (group.bias[groupIndex[c] as number] as number);
}

/** Training weight of each example: class balancing times the label's extra weight. */
function exampleWeights(targets: Int32Array, labels: readonly string[], options: ClassifierOptions): Float32Array {
  const balance = options.balance ?? 0.5;
  const perLabel = new Float64Array(labels.length);
  for (const target of targets) perLabel[target] = (perLabel[target] as number) + 1;
  const mean = targets.length / labels.length;
  const weightOf = Array.from(
    perLabel,
    (count, label) => Math.pow(count / mean, -balance) * (options.labelWeights?.[labels[label] as string] ?? 1),
  );
  return Float32Array.from(targets, (target) => weightOf[target] as number);
}

/**
 * Trains both models in one shuffled pass per epoch: multinomial logistic regression (softmax
 * gradient, updates skipped where the gradient is negligible) and a Crammer–Singer SVM (hinge on the
 * best wrong class). Weights are averaged over the snapshots at the end of the second half of the
 * epochs, which is as good as per-step averaging for a fraction of the cost.
 */
function fit(
  rows: SparseRows,
  targets: Int32Array,
  exampleWeight: Float32Array,
  features: number,
  classes: number,
  options: ClassifierOptions,
): { weights: Float32Array; bias: Float32Array } {
  const epochs = Math.max(1, options.epochs ?? 6);
  const rate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-5;
  const svmWeight = options.svm ?? 1;
  const svmRate = options.svmRate ?? 0.1;
  const { offsets, indices, values } = rows;
  const n = targets.length;
  const size = features * classes;
  const lr = new Float32Array(size);
  const lrBias = new Float32Array(classes);
  const svm = svmWeight > 0 ? new Float32Array(size) : undefined;
  const svmBias = new Float32Array(classes);
  const sumLr = new Float32Array(size);
  const sumLrBias = new Float32Array(classes);
  const sumSvm = svm ? new Float32Array(size) : undefined;
  const sumSvmBias = new Float32Array(classes);
  let snapshots = 0;
  const scores = new Float64Array(classes);
  const margins = new Float64Array(classes);
  const active = new Int32Array(classes);
  const gradients = new Float64Array(classes);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let random = (options.seed ?? 7) >>> 0 || 7;
  const nextRandom = () => {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    return random / 4294967296;
  };
  const firstSnapshot = Math.floor(epochs / 2);
  const dropout = Math.min(Math.max(options.dropout ?? 0.4, 0), 0.9);
  const keep = 1 / (1 - dropout);
  let longest = 0;
  for (let i = 0; i < n; i++) longest = Math.max(longest, (offsets[i + 1] as number) - (offsets[i] as number));
  const droppedIndices = new Int32Array(dropout > 0 ? longest : 0);
  const droppedValues = new Float32Array(dropout > 0 ? longest : 0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(nextRandom() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    const step = rate / (1 + epoch * 0.5);
    const svmStep = svmRate / (1 + epoch * 0.5);
    const decay = 1 - step * l2;
    for (let o = 0; o < n; o++) {
      const row = order[o] as number;
      const target = targets[row] as number;
      // the row, or a copy with each feature dropped with probability `dropout` (the rest scaled up)
      let rowIndices = indices;
      let rowValues = values;
      let start = offsets[row] as number;
      let end = offsets[row + 1] as number;
      if (dropout > 0) {
        let kept = 0;
        for (let k = start; k < end; k++) {
          if (nextRandom() < dropout) continue;
          droppedIndices[kept] = indices[k] as number;
          droppedValues[kept] = (values[k] as number) * keep;
          kept++;
        }
        rowIndices = droppedIndices;
        rowValues = droppedValues;
        start = 0;
        end = kept;
      }
      for (let c = 0; c < classes; c++) {
        scores[c] = lrBias[c] as number;
        margins[c] = svmBias[c] as number;
      }
      for (let k = start; k < end; k++) {
        const base = (rowIndices[k] as number) * classes;
        const value = rowValues[k] as number;
        if (svm) {
          for (let c = 0; c < classes; c++) {
            scores[c] = (scores[c] as number) + value * (lr[base + c] as number);
            margins[c] = (margins[c] as number) + value * (svm[base + c] as number);
          }
        } else for (let c = 0; c < classes; c++) scores[c] = (scores[c] as number) + value * (lr[base + c] as number);
      }
      // logistic regression
      let max = -Infinity;
      for (let c = 0; c < classes; c++) if ((scores[c] as number) > max) max = scores[c] as number;
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp((scores[c] as number) - max);
        scores[c] = e;
        sum += e;
      }
      // only classes with a noticeable gradient are updated (after an epoch or two, a handful)
      let activeCount = 0;
      for (let c = 0; c < classes; c++) {
        const gradient = ((scores[c] as number) / sum - (c === target ? 1 : 0)) * (exampleWeight[row] as number);
        lrBias[c] = (lrBias[c] as number) - step * gradient;
        if (gradient > -1e-3 && gradient < 1e-3) continue;
        active[activeCount] = c;
        gradients[activeCount] = step * gradient;
        activeCount++;
      }
      for (let k = start; k < end; k++) {
        const base = (rowIndices[k] as number) * classes;
        const value = rowValues[k] as number;
        for (let a = 0; a < activeCount; a++) {
          const at = base + (active[a] as number);
          lr[at] = (lr[at] as number) * decay - value * (gradients[a] as number);
        }
      }
      // Crammer–Singer SVM: push the target above the best wrong class by a margin of 1
      if (svm) {
        let rival = -1;
        let rivalScore = -Infinity;
        for (let c = 0; c < classes; c++) {
          if (c !== target && (margins[c] as number) > rivalScore) {
            rivalScore = margins[c] as number;
            rival = c;
          }
        }
        const loss = 1 + rivalScore - (margins[target] as number);
        if (rival >= 0 && loss > 0) {
          const push = svmStep * Math.min(loss, 1) * (exampleWeight[row] as number);
          svmBias[target] = (svmBias[target] as number) + push;
          svmBias[rival] = (svmBias[rival] as number) - push;
          for (let k = start; k < end; k++) {
            const base = (rowIndices[k] as number) * classes;
            const value = rowValues[k] as number;
            svm[base + target] = (svm[base + target] as number) * decay + push * value;
            svm[base + rival] = (svm[base + rival] as number) * decay - push * value;
          }
        }
      }
    }
    if (epoch >= firstSnapshot) {
      snapshots++;
      for (let i = 0; i < size; i++) sumLr[i] = (sumLr[i] as number) + (lr[i] as number);
      for (let c = 0; c < classes; c++) sumLrBias[c] = (sumLrBias[c] as number) + (lrBias[c] as number);
      if (svm && sumSvm) {
        for (let i = 0; i < size; i++) sumSvm[i] = (sumSvm[i] as number) + (svm[i] as number);
        for (let c = 0; c < classes; c++) sumSvmBias[c] = (sumSvmBias[c] as number) + (svmBias[c] as number);
      }
    }
  }
  const weights = sumLr;
  const bias = sumLrBias;
  const nbWeight = options.nb ?? 0.3;
  if (nbWeight > 0) {
    // naive Bayes log-likelihoods, centred per feature; pre-multiplied by the snapshot count
    const counts = new Float64Array(size);
    const totals = new Float64Array(classes);
    for (let row = 0; row < n; row++) {
      const target = targets[row] as number;
      for (let k = offsets[row] as number; k < (offsets[row + 1] as number); k++) {
        const value = (values[k] as number) * (exampleWeight[row] as number);
        const at = (indices[k] as number) * classes + target;
        counts[at] = (counts[at] as number) + value;
        totals[target] = (totals[target] as number) + value;
      }
    }
    const alpha = options.nbAlpha ?? 0.1;
    const logTotals = Array.from(totals, (total) => Math.log(total + alpha * features));
    // most features occur in few classes: the log-likelihood of an unseen (feature, class) is log α − log total
    const logAlpha = Math.log(alpha);
    const unseen = logTotals.map((logTotal) => logAlpha - logTotal);
    for (let f = 0; f < features; f++) {
      const base = f * classes;
      let mean = 0;
      for (let c = 0; c < classes; c++) {
        const count = counts[base + c] as number;
        const logLikelihood = count === 0 ? (unseen[c] as number) : Math.log(count + alpha) - (logTotals[c] as number);
        counts[base + c] = logLikelihood;
        mean += logLikelihood;
      }
      mean /= classes;
      for (let c = 0; c < classes; c++)
        weights[base + c] = (weights[base + c] as number) + nbWeight * snapshots * ((counts[base + c] as number) - mean);
    }
  }
  for (let i = 0; i < size; i++) weights[i] = ((weights[i] as number) + svmWeight * (sumSvm?.[i] ?? 0)) / snapshots;
  for (let c = 0; c < classes; c++) bias[c] = ((bias[c] as number) + svmWeight * (sumSvmBias[c] as number)) / snapshots;
  return { weights, bias };
}
