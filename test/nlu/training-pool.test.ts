import { afterAll, describe, expect, it } from 'vitest';
import { IntentClassifier, type ModelData } from '../../src/nlu/classifier.js';
import { loadIntentDirectory } from '../../src/nlu/intent-file.js';
import { LanguageDetector } from '../../src/nlu/language.js';
import { createNlu, trainNlu, type LanguageJob } from '../../src/nlu/nlu.js';
import { TrainingPool } from '../../src/nlu/training-pool.js';

const { corpus } = loadIntentDirectory('intents', '.');
/** Every example of every language, parsed with each language as the remembered one. */
const parses = (nlu: ReturnType<typeof createNlu>) =>
  [...corpus].flatMap(([language, entry]) => entry.examples.map((e) => JSON.stringify(nlu.parse(e.text, { remembered: language }))));

describe('a model as data (what crosses from a training thread)', () => {
  const examples = [
    { text: 'where is my withdrawal', label: 'withdrawal_status' },
    { text: 'withdrawal still pending', label: 'withdrawal_status' },
    { text: 'deposit not credited', label: 'deposit_issue' },
    { text: 'my deposit is missing', label: 'deposit_issue' },
  ];

  it('comes back as the same model', () => {
    const model = IntentClassifier.train(examples, 'en');
    model.setTemperature(0.7);
    const copy = IntentClassifier.fromData(structuredClone(model.toData()));
    for (const text of ['withdrawl pending?', 'deposit gone', 'hello', '']) expect(copy.predict(text)).toEqual(model.predict(text));
    expect(copy.calibration).toBe(0.7);
  });

  it('is refused when its sizes do not match', () => {
    const data = IntentClassifier.train(examples, 'en').toData();
    const broken: ModelData = { ...data, weights: data.weights.subarray(1) };
    expect(() => IntentClassifier.fromData(broken)).toThrow(expect.objectContaining({ code: 'CROUPIER_NLU_BAD_MODEL' }));
  });

  it('the language detector counted apart detects exactly as the one trained whole', () => {
    const whole = LanguageDetector.train(corpus);
    const counted = LanguageDetector.fromCounts(structuredClone(LanguageDetector.count(corpus)));
    for (const text of ['hola', 'привет', 'mersi', 'privet', 'danke', 'ok', 'where is my money', 'unde sunt banii mei'])
      expect(counted.detect(text, { remembered: 'en' })).toEqual(whole.detect(text, { remembered: 'en' }));
  });
});

describe('TrainingPool (worker threads)', () => {
  const pool = new TrainingPool(2);
  afterAll(() => pool.close());

  it('trains the shipped content exactly as the main thread does', async () => {
    const local = createNlu(corpus);
    const threaded = await trainNlu(corpus, pool);
    expect(threaded.languages).toEqual(local.languages);
    expect(parses(threaded)).toEqual(parses(local));
  });

  it('a reload retrains only the languages whose intents changed, in the threads', async () => {
    const previous = createNlu(corpus);
    const jobs: string[] = [];
    const recording = {
      temperature: (job: LanguageJob) => (jobs.push(`temperature ${job.language}`), pool.temperature(job)),
      model: (job: LanguageJob) => (jobs.push(`model ${job.language}`), pool.model(job)),
      detector: (texts: Parameters<TrainingPool['detector']>[0]) => (jobs.push('detector'), pool.detector(texts)),
    };
    const edited = new Map(corpus);
    const german = corpus.get('de')!;
    edited.set('de', { ...german, examples: [...german.examples, { ...german.examples[0]!, text: 'wo bleibt meine auszahlung zzz' }] });
    const reloaded = await trainNlu(edited, recording, { previous });
    expect(jobs.sort()).toEqual(['detector', 'model de', 'temperature de']);
    expect(parses(reloaded)).toEqual(parses(createNlu(edited)));
  });

  it('a job that fails in a thread fails with a stable code, and the pool goes on', async () => {
    const empty: LanguageJob = { language: 'en', examples: [], classifier: {}, folds: 2, rounds: 1 };
    const failure = await pool.model(empty).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CROUPIER_NLU_TRAINING_FAILED' });
    expect(String(failure)).toMatch(/without examples/);
    const ok: LanguageJob = {
      ...empty,
      examples: [
        { text: 'hi', label: 'greeting' },
        { text: 'bye', label: 'goodbye' },
      ],
    };
    expect(IntentClassifier.fromData(await pool.model(ok)).labels).toEqual(['goodbye', 'greeting']);
  });

  it('threads started ahead of any job (warm) do not keep the process alive', async () => {
    // an active MessagePort is what keeps Node running; an idle pool must add none
    const activePorts = () => process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length;
    const idle = new TrainingPool(2);
    const before = activePorts();
    idle.warm();
    try {
      expect(activePorts()).toBe(before);
    } finally {
      await idle.close();
    }
  });

  it('closing fails the jobs still queued', async () => {
    const closing = new TrainingPool(1);
    const job: LanguageJob = {
      language: 'en',
      examples: [
        { text: 'hi', label: 'greeting' },
        { text: 'bye', label: 'goodbye' },
      ],
      classifier: {},
      folds: 2,
      rounds: 1,
    };
    const settled = Promise.allSettled([closing.model(job), closing.model(job)]);
    await closing.close();
    for (const result of await settled)
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'CROUPIER_NLU_TRAINING_FAILED' } });
    await expect(closing.temperature(job)).rejects.toMatchObject({ code: 'CROUPIER_NLU_TRAINING_FAILED' });
  });
});

describe('TrainingPool without threads', () => {
  it('a thread that cannot start fails the jobs with a stable code instead of throwing', async () => {
    const pool = new TrainingPool(2, () => {
      throw new Error('tsx is not installed');
    });
    expect(() => pool.warm()).not.toThrow();
    const job: LanguageJob = { language: 'en', examples: [{ text: 'hi', label: 'greeting' }], classifier: {}, folds: 2, rounds: 1 };
    const failures = await Promise.allSettled([pool.model(job), pool.temperature(job)]);
    for (const failure of failures) {
      expect(failure).toMatchObject({ status: 'rejected', reason: { code: 'CROUPIER_NLU_TRAINING_FAILED' } });
      expect(String((failure as PromiseRejectedResult).reason)).toMatch(/tsx is not installed/);
    }
    await pool.close();
  });
});
