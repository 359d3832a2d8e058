import { stem, tokenize } from './normalise.js';

/**
 * The intent classifier, written by hand because the benchmarks demand it (bench/RESULTS.md):
 * TF-IDF over four feature blocks — words, stems, word bigrams and character 2–5-grams inside word
 * boundaries (which carry typos and missing accents) — each block L2-normalised and weighted, then
 * multinomial logistic regression trained with shuffled SGD and averaged weights, and a softmax
 * temperature fitted on held-out data so that one confidence threshold means the same thing in every
 * language and on every dataset.
 *
 * @example const model = IntentClassifier.train(examples, 'es'); model.predict('no me llego el deposito')
 */
export interface TrainingExample {
  readonly text: string;
  readonly label: string;
}

export interface ClassifierOptions {
  readonly epochs?: number;
  readonly learningRate?: number;
  /** L2 penalty applied to the weights a step touches. */
  readonly l2?: number;
  /** Weight of each feature block in the final vector. */
  readonly blocks?: Partial<Record<Block, number>>;
  /** Seed for the shuffles, so training is reproducible. */
  readonly seed?: number;
  readonly charRange?: readonly [number, number];
}

type Block = 'word' | 'stem' | 'bigram' | 'char';

const DEFAULT_BLOCKS: Record<Block, number> = { word: 1, stem: 0.6, bigram: 0.6, char: 1.3 };

export interface Prediction {
  readonly label: string;
  readonly probability: number;
}

interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export class IntentClassifier {
  private constructor(
    readonly language: string,
    readonly labels: readonly string[],
    private readonly vocabulary: ReadonlyMap<string, number>,
    private readonly idf: Float32Array,
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
    private readonly blocks: Record<Block, number>,
    private readonly charRange: readonly [number, number],
    private temperature: number,
  ) {
    this.#blockOf = new Uint8Array(vocabulary.size);
    for (const [feature, index] of vocabulary) this.#blockOf[index] = BLOCK_CODE[feature.charCodeAt(0)] ?? 0;
  }

  /** Block of each feature index (0 word, 1 stem, 2 bigram, 3 char). */
  readonly #blockOf: Uint8Array;
  /** Feature indices of a token's word, stem and character n-grams; players reuse words, so cached. */
  readonly #tokenCache = new Map<string, Int32Array>();

  static train(examples: readonly TrainingExample[], language: string, options: ClassifierOptions = {}): IntentClassifier {
    if (examples.length === 0) throw new Error('cannot train a classifier without examples');
    const blocks = { ...DEFAULT_BLOCKS, ...options.blocks };
    const charRange = options.charRange ?? [2, 5];
    const labels = [...new Set(examples.map((example) => example.label))].sort();
    const labelIndex = new Map(labels.map((label, index) => [label, index]));

    // vocabulary and document frequencies
    const vocabulary = new Map<string, number>();
    const df: number[] = [];
    const raw = examples.map((example) => featureCounts(example.text, language, charRange));
    for (const counts of raw) {
      for (const feature of counts.keys()) {
        let index = vocabulary.get(feature);
        if (index === undefined) {
          index = vocabulary.size;
          vocabulary.set(feature, index);
          df.push(0);
        }
        df[index] = (df[index] ?? 0) + 1;
      }
    }
    const n = examples.length;
    const idf = new Float32Array(vocabulary.size);
    for (let i = 0; i < idf.length; i++) idf[i] = Math.log((1 + n) / (1 + (df[i] ?? 0))) + 1;

    const model = new IntentClassifier(
      language,
      labels,
      vocabulary,
      idf,
      new Float32Array(0),
      new Float32Array(labels.length),
      blocks,
      charRange,
      1,
    );
    const vectors = raw.map((counts) => model.vectorize(model.toIndices(counts)));
    const targets = examples.map((example) => labelIndex.get(example.label) ?? 0);
    const { weights, bias } = sgd(vectors, targets, vocabulary.size, labels.length, options);
    return new IntentClassifier(language, labels, vocabulary, idf, weights, bias, blocks, charRange, 1);
  }

  /** Fits the softmax temperature on held-out examples (labels the model knows). */
  calibrate(examples: readonly TrainingExample[]): number {
    const rows = examples
      .map((example) => ({ logits: this.logits(example.text), target: this.labels.indexOf(example.label) }))
      .filter((row) => row.target >= 0);
    if (rows.length === 0) return this.temperature;
    const nll = (t: number) => {
      let total = 0;
      for (const row of rows) {
        const probabilities = softmax(row.logits, t);
        total -= Math.log(Math.max(probabilities[row.target] ?? 0, 1e-12));
      }
      return total / rows.length;
    };
    // golden-section search on [0.05, 20] in log space
    let lo = Math.log(0.05);
    let hi = Math.log(20);
    const phi = (Math.sqrt(5) - 1) / 2;
    for (let i = 0; i < 40; i++) {
      const a = hi - phi * (hi - lo);
      const b = lo + phi * (hi - lo);
      if (nll(Math.exp(a)) < nll(Math.exp(b))) hi = b;
      else lo = a;
    }
    this.temperature = Math.exp((lo + hi) / 2);
    return this.temperature;
  }

  setTemperature(temperature: number): void {
    this.temperature = temperature;
  }

  get calibration(): number {
    return this.temperature;
  }

  /** Raw scores per label, in `labels` order. */
  logits(text: string): Float32Array {
    const vector = this.vectorize(this.indexCounts(text));
    const classes = this.labels.length;
    const scores = Float32Array.from(this.bias);
    for (let k = 0; k < vector.indices.length; k++) {
      const row = (vector.indices[k] as number) * classes;
      const value = vector.values[k] as number;
      for (let c = 0; c < classes; c++) scores[c] = (scores[c] as number) + value * (this.weights[row + c] as number);
    }
    return scores;
  }

  /** Labels with calibrated probabilities, best first. */
  predict(text: string, top = this.labels.length): Prediction[] {
    const probabilities = softmax(this.logits(text), this.temperature);
    return this.labels
      .map((label, index) => ({ label, probability: probabilities[index] ?? 0 }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, top);
  }

  /** Feature counts by vocabulary index; features the model never saw are dropped. */
  private toIndices(counts: ReadonlyMap<string, number>): Map<number, number> {
    const out = new Map<number, number>();
    for (const [feature, count] of counts) {
      const index = this.vocabulary.get(feature);
      if (index !== undefined) out.set(index, count);
    }
    return out;
  }

  /** The same features as {@link featureCounts}, straight to indices, with per-token caching. */
  private indexCounts(text: string): Map<number, number> {
    const counts = new Map<number, number>();
    const add = (index: number | undefined) => {
      if (index !== undefined) counts.set(index, (counts.get(index) ?? 0) + 1);
    };
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      let cached = this.#tokenCache.get(token);
      if (!cached) {
        cached = Int32Array.from(
          tokenFeatures(token, this.language, this.charRange)
            .map((feature) => this.vocabulary.get(feature) ?? -1)
            .filter((index) => index >= 0),
        );
        if (this.#tokenCache.size >= 50_000) this.#tokenCache.clear();
        this.#tokenCache.set(token, cached);
      }
      for (const index of cached) add(index);
      const next = tokens[i + 1];
      if (next !== undefined) add(this.vocabulary.get(bigram(token, next)));
    }
    if (tokens.length === 0) add(this.vocabulary.get('w:<empty>'));
    return counts;
  }

  private vectorize(counts: ReadonlyMap<number, number>): SparseVector {
    const byBlock: { index: number; value: number }[][] = [[], [], [], []];
    for (const [index, count] of counts) {
      const value = (1 + Math.log(count)) * (this.idf[index] ?? 1);
      byBlock[this.#blockOf[index] ?? 0]?.push({ index, value });
    }
    let size = 0;
    for (const list of byBlock) size += list.length;
    const indices = new Int32Array(size);
    const values = new Float32Array(size);
    let at = 0;
    byBlock.forEach((list, code) => {
      let norm = 0;
      for (const item of list) norm += item.value * item.value;
      const scale = (this.blocks[BLOCKS[code] ?? 'word'] ?? 1) / Math.sqrt(norm || 1);
      for (const item of list) {
        indices[at] = item.index;
        values[at] = item.value * scale;
        at++;
      }
    });
    return { indices, values };
  }
}

const BLOCKS: readonly Block[] = ['word', 'stem', 'bigram', 'char'];
/** Feature prefix character → block code: w s b c. */
const BLOCK_CODE: Record<number, number> = { 119: 0, 115: 1, 98: 2, 99: 3 };

/** The word, stem and character n-gram features of one token (`w:`, `s:`, `c:`). */
export function tokenFeatures(token: string, language: string, charRange: readonly [number, number] = [2, 5]): string[] {
  if (/^\p{N}/u.test(token)) return ['w:<num>'];
  const features = [`w:${token}`, `s:${stem(language, token)}`];
  const padded = `^${token}$`;
  for (let size = charRange[0]; size <= charRange[1]; size++) {
    for (let start = 0; start + size <= padded.length; start++) features.push(`c:${padded.slice(start, start + size)}`);
  }
  return features;
}

/** The bigram feature of two neighbouring tokens, with numbers folded to `<num>`. */
function bigram(first: string, second: string): string {
  const word = (token: string) => (/^\p{N}/u.test(token) ? '<num>' : token);
  return `b:${word(first)} ${word(second)}`;
}

/** Feature strings with counts: `w:word`, `s:stem`, `b:w1 w2`, `c:^gram$`. */
export function featureCounts(text: string, language: string, charRange: readonly [number, number] = [2, 5]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    for (const feature of tokenFeatures(tokens[i] as string, language, charRange)) add(feature);
    const next = tokens[i + 1];
    if (next !== undefined) add(bigram(tokens[i] as string, next));
  }
  if (tokens.length === 0) add('w:<empty>');
  return counts;
}

export function softmax(logits: Float32Array, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) / temperature - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Multinomial logistic regression by SGD with a decaying rate, returning averaged weights. */
function sgd(
  vectors: readonly SparseVector[],
  targets: readonly number[],
  features: number,
  classes: number,
  options: ClassifierOptions,
): { weights: Float32Array; bias: Float32Array } {
  const epochs = options.epochs ?? 12;
  const rate = options.learningRate ?? 0.6;
  const l2 = options.l2 ?? 1e-5;
  const weights = new Float32Array(features * classes);
  const bias = new Float32Array(classes);
  // averaged SGD: keep a running sum of weights ("lazy" averaging via the c-trick)
  const averaged = new Float32Array(features * classes);
  const averagedBias = new Float32Array(classes);
  const scores = new Float64Array(classes);
  const order = vectors.map((_, index) => index);
  let random = options.seed ?? 7;
  const next = () => {
    random = (random * 1103515245 + 12345) & 0x7fffffff;
    return random / 0x7fffffff;
  };
  let step = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const lr = rate / (1 + epoch * 0.5);
    for (const index of order) {
      const vector = vectors[index] as SparseVector;
      const target = targets[index] as number;
      for (let c = 0; c < classes; c++) scores[c] = bias[c] as number;
      for (let k = 0; k < vector.indices.length; k++) {
        const row = (vector.indices[k] as number) * classes;
        const value = vector.values[k] as number;
        for (let c = 0; c < classes; c++) scores[c] = (scores[c] as number) + value * (weights[row + c] as number);
      }
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, scores[c] as number);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp((scores[c] as number) - max);
        scores[c] = e;
        sum += e;
      }
      for (let c = 0; c < classes; c++) {
        const gradient = (scores[c] as number) / sum - (c === target ? 1 : 0);
        scores[c] = gradient;
        bias[c] = (bias[c] as number) - lr * gradient;
        averagedBias[c] = (averagedBias[c] as number) - step * lr * gradient;
      }
      for (let k = 0; k < vector.indices.length; k++) {
        const row = (vector.indices[k] as number) * classes;
        const value = vector.values[k] as number;
        for (let c = 0; c < classes; c++) {
          const w = weights[row + c] as number;
          const delta = lr * (value * (scores[c] as number) + l2 * w);
          weights[row + c] = w - delta;
          averaged[row + c] = (averaged[row + c] as number) - step * delta;
        }
      }
      step++;
    }
  }
  // averaged = w - (Σ step·Δ) / T
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) - (averaged[i] as number) / step;
  for (let c = 0; c < classes; c++) bias[c] = (bias[c] as number) - (averagedBias[c] as number) / step;
  return { weights, bias };
}
