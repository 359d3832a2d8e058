import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CroupierError } from '../core/errors.js';
import type { ModelData } from './classifier.js';
import type { DetectorCorpus, DetectorCounts } from './language.js';
import type { LanguageJob, Trainer } from './nlu.js';
import type { TrainingRequest, TrainingResponse } from './training-worker.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Task {
  readonly request: TrainingRequest;
  readonly resolve: (response: TrainingResponse) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | undefined;
}

/**
 * Worker threads that train the NLU's models for a hot reload ({@link trainNlu}), so the bot keeps
 * answering while the content trains and the languages train side by side on every core.
 *
 * Threads start on the first job, or at once with {@link warm} (a thread needs a few hundred
 * milliseconds to load the NLU, which a reload should not wait for), stay for later reloads, and do
 * not keep the process alive while idle. A thread that fails or exits fails its job with
 * `CROUPIER_NLU_TRAINING_FAILED` and is replaced on the next job; the caller then trains on its own
 * thread ({@link LiveContent}).
 *
 * @example const pool = new TrainingPool(); const nlu = await trainNlu(corpus, pool); await pool.close();
 */
export class TrainingPool implements Trainer {
  readonly size: number;
  #slots: Slot[] = [];
  #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  /** `startThread` starts one training thread (tests pass one that fails). */
  constructor(
    size = Math.max(1, Math.min(availableParallelism(), 4)),
    private readonly startThread: () => Worker = startWorker,
  ) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** Starts every thread now, so the first reload finds them ready. A thread that cannot start fails the first job instead. */
  warm(): void {
    try {
      while (!this.#closed && this.#slots.length < this.size) this.#spawn();
    } catch {
      // #dispatch tries again for the first job, and fails it with the reason
    }
  }

  temperature(job: LanguageJob): Promise<number> {
    return this.#send({ part: 'temperature', job }).then((response) => {
      if (!('temperature' in response))
        throw new CroupierError('CROUPIER_NLU_TRAINING_FAILED', 'a training thread answered without a temperature');
      return response.temperature;
    });
  }

  model(job: LanguageJob): Promise<ModelData> {
    return this.#send({ part: 'model', job }).then((response) => {
      if (!('model' in response)) throw new CroupierError('CROUPIER_NLU_TRAINING_FAILED', 'a training thread answered without a model');
      return response.model;
    });
  }

  detector(corpus: DetectorCorpus): Promise<DetectorCounts> {
    // only the texts cross to the thread
    const texts = new Map(
      [...corpus].map(([language, entry]) => [
        language,
        { examples: entry.examples.map(({ text }) => ({ text })), outOfScope: entry.outOfScope },
      ]),
    );
    return this.#send({ part: 'detector', corpus: texts }).then((response) => {
      if (!('detector' in response))
        throw new CroupierError('CROUPIER_NLU_TRAINING_FAILED', 'a training thread answered without detector counts');
      return response.detector;
    });
  }

  /** Stops the threads; queued and running jobs fail with `CROUPIER_NLU_TRAINING_FAILED`. */
  async close(): Promise<void> {
    this.#closed = true;
    const failure = new CroupierError('CROUPIER_NLU_TRAINING_FAILED', 'the training pool is closed');
    for (const task of this.#queue.splice(0)) task.reject(failure);
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.task?.reject(failure);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #send(body: DistributiveOmit<TrainingRequest, 'id'>): Promise<TrainingResponse> {
    if (this.#closed) return Promise.reject(new CroupierError('CROUPIER_NLU_TRAINING_FAILED', 'the training pool is closed'));
    return new Promise<TrainingResponse>((resolve, reject) => {
      const request = { ...body, id: this.#nextId++ } as TrainingRequest;
      this.#queue.push({
        request,
        resolve: (response) =>
          'error' in response ? reject(new CroupierError('CROUPIER_NLU_TRAINING_FAILED', response.error)) : resolve(response),
        reject,
      });
      this.#dispatch();
    });
  }

  /** Gives queued jobs to idle threads, starting threads up to the pool's size. */
  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((candidate) => candidate.task === undefined);
      if (!slot && this.#slots.length < this.size) {
        try {
          slot = this.#spawn();
        } catch (error) {
          // no thread can start (e.g. run from sources without tsx): every waiting job fails now,
          // here and not as an exception out of a worker's event handler
          if (this.#slots.length > 0) return;
          const failure = new CroupierError('CROUPIER_NLU_TRAINING_FAILED', `cannot start a training thread: ${String(error)}`, {
            cause: error,
          });
          for (const task of this.#queue.splice(0)) task.reject(failure);
          return;
        }
      }
      if (!slot) return;
      const task = this.#queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.request);
    }
  }

  #spawn(): Slot {
    const worker = this.startThread();
    const slot: Slot = { worker, task: undefined };
    worker.on('message', (response: TrainingResponse) => {
      const task = slot.task;
      if (!task || task.request.id !== response.id) return;
      slot.task = undefined;
      worker.unref();
      task.resolve(response);
      this.#dispatch();
    });
    const fail = (error: Error) => {
      const index = this.#slots.indexOf(slot);
      if (index < 0) return;
      this.#slots.splice(index, 1);
      const task = slot.task;
      slot.task = undefined;
      task?.reject(new CroupierError('CROUPIER_NLU_TRAINING_FAILED', `a training thread failed: ${error.message}`, { cause: error }));
      void worker.terminate();
      if (!this.#closed) this.#dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    // after the listeners: adding a 'message' listener refs the worker's port again
    worker.unref();
    this.#slots.push(slot);
    return slot;
  }
}

const require = createRequire(import.meta.url);

/**
 * The worker thread for this build: the compiled `training-worker.js` next to this file, or — when
 * Croupier runs from its TypeScript sources (tsx, vitest) — `training-worker.ts` loaded through
 * tsx's loader, which a worker thread does not inherit. tsx's ESM API is found through its
 * package's `exports` (its CommonJS entry cannot register the loader from a worker).
 */
function startWorker(): Worker {
  const source = import.meta.url.endsWith('.ts');
  const file = new URL(`./training-worker.${source ? 'ts' : 'js'}`, import.meta.url);
  if (!source) return new Worker(file);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(manifest), exports['./esm/api']?.import.default ?? 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(code, { eval: true });
}
