import { watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import { formatIssue, hasErrors, type ContentIssue } from '../core/content-issue.js';
import { loadContent } from '../dialogue/content.js';
import type { DialogueContent } from '../dialogue/flow-bot.js';
import { intentNames, loadIntentDirectory, type Corpus } from '../nlu/intent-file.js';
import { createNlu, Nlu, trainNlu, type Trainer } from '../nlu/nlu.js';

export interface ContentPaths {
  readonly rootDir: string;
  readonly intentsDir: string;
  readonly flowsDir: string;
  readonly defaultLanguage: string;
}

/** Intents and flows read and linted together: the NLU still to train. */
function loadChecked(paths: ContentPaths): {
  corpus: Corpus;
  loaded: ReturnType<typeof loadContent>;
  issues: ContentIssue[];
  ok: boolean;
} {
  const { corpus, issues } = loadIntentDirectory(join(paths.rootDir, paths.intentsDir), paths.rootDir);
  const loaded = loadContent({
    rootDir: paths.rootDir,
    flowsDir: paths.flowsDir,
    defaultLanguage: paths.defaultLanguage,
    intents: intentNames(corpus),
  });
  issues.push(...loaded.issues);
  return { corpus, loaded, issues, ok: !hasErrors(issues) && loaded.content !== undefined };
}

/** Loads intents and flows, lints them together and trains the NLU: one complete, checked unit. */
export function buildContent(
  paths: ContentPaths,
  previous?: DialogueContent,
): { content: DialogueContent | undefined; issues: ContentIssue[]; trainMs: number } {
  const { corpus, loaded, issues, ok } = loadChecked(paths);
  if (!ok || !loaded.content) return { content: undefined, issues, trainMs: 0 };
  const started = performance.now();
  // On a reload, languages whose intents did not change keep their trained model.
  const nlu = createNlu(corpus, previous?.nlu instanceof Nlu ? { previous: previous.nlu } : {});
  const trainMs = performance.now() - started;
  return { content: { flows: loaded.content.flows, catalogue: loaded.content.catalogue, nlu }, issues, trainMs };
}

/**
 * {@link buildContent} with the NLU trained by `trainer` (the worker pool): the event loop only
 * reads and lints the files and puts the trained models together. A failed trainer (a thread that
 * crashed) is reported to `onTrainerFailed`, and the NLU is trained on this thread instead unless
 * it answers false (then the error is thrown).
 */
export async function buildContentWith(
  paths: ContentPaths,
  trainer: Trainer,
  previous?: DialogueContent,
  onTrainerFailed: (error: unknown) => boolean = () => true,
): Promise<{ content: DialogueContent | undefined; issues: ContentIssue[]; trainMs: number }> {
  const { corpus, loaded, issues, ok } = loadChecked(paths);
  if (!ok || !loaded.content) return { content: undefined, issues, trainMs: 0 };
  const started = performance.now();
  const options = previous?.nlu instanceof Nlu ? { previous: previous.nlu } : {};
  let nlu: Nlu;
  try {
    nlu = await trainNlu(corpus, trainer, options);
  } catch (error) {
    if (!onTrainerFailed(error)) throw error;
    nlu = createNlu(corpus, options);
  }
  const trainMs = performance.now() - started;
  return { content: { flows: loaded.content.flows, catalogue: loaded.content.catalogue, nlu }, issues, trainMs };
}

/** An error thrown while reading or training the content, as the issue an operator reads in the log. */
function unreadable(error: unknown, rootDir: string): ContentIssue {
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  return {
    file: typeof path === 'string' ? relative(rootDir, path) || path : '.',
    line: 1,
    column: 1,
    rule: 'unreadable',
    message: error instanceof Error ? error.message : String(error),
    hint: 'the last good content keeps serving; the next change reloads it',
    severity: 'error',
  };
}

/**
 * The content the bot runs on, reloaded while running: edits to intents/ and flows/ are loaded,
 * validated and trained off to the side and swapped in atomically; a broken edit is logged with its
 * errors and the last good content keeps serving.
 *
 * With a `trainer` (the {@link TrainingPool} the runtime makes), the NLU trains in worker threads,
 * so the bot keeps answering during a reload; {@link watch} starts the threads and gives them one
 * training of the current content, so the first edit does not wait for them to start and warm up.
 * Reloads run one at a time: an edit saved during a reload is picked up by the next one.
 */
export class LiveContent {
  #current: DialogueContent;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #reloads = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    initial: DialogueContent,
    private readonly paths: ContentPaths,
    private readonly log: Logger,
    private readonly trainer?: Trainer & { warm?(): void },
  ) {
    this.#current = initial;
  }

  get current(): DialogueContent {
    return this.#current;
  }

  /** Number of successful reloads (for tests and metrics). */
  get reloads(): number {
    return this.#reloads;
  }

  /**
   * Rebuilds now (after any reload still running); resolves with the issues, and swaps only when
   * there are no errors.
   */
  reload(): Promise<ContentIssue[]> {
    const next = this.#queue.then(() => this.#reload());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #reload(): Promise<ContentIssue[]> {
    if (this.#closed) return [];
    let built: Awaited<ReturnType<typeof buildContentWith>>;
    try {
      built = this.trainer
        ? await buildContentWith(this.paths, this.trainer, this.#current, (error) => {
            // closing: the pool's threads are being stopped, nothing is swapped in any more
            if (this.#closed) return false;
            this.log.warn(
              { err: error, code: 'CROUPIER_NLU_TRAINING_FAILED' },
              'training threads failed; training on the main thread instead',
            );
            return true;
          })
        : buildContent(this.paths, this.#current);
    } catch (error) {
      if (this.#closed) return [];
      // a file that vanished or cannot be read mid-save (an editor's lock file): a rejected edit,
      // not a rejection the watcher's timer leaves unhandled
      built = { content: undefined, issues: [unreadable(error, this.paths.rootDir)], trainMs: 0 };
    }
    const { content, issues, trainMs } = built;
    if (this.#closed) return issues;
    if (!content) {
      this.log.error(
        { code: 'CROUPIER_CONTENT_INVALID', errors: issues.filter((i) => i.severity === 'error').map(formatIssue) },
        'content edit rejected; still serving the last good content',
      );
      return issues;
    }
    this.#current = content;
    this.#reloads += 1;
    this.log.info({ trainMs: Math.round(trainMs), flows: content.flows.size, languages: content.catalogue.languages }, 'content reloaded');
    return issues;
  }

  /** Watches the content folders; bursts of changes (an editor saving several files) reload once. */
  watch(debounceMs = 300): void {
    for (const dir of [this.paths.intentsDir, this.paths.flowsDir]) {
      try {
        const watcher = watch(join(this.paths.rootDir, dir), { recursive: true }, () => {
          clearTimeout(this.#timer);
          this.#timer = setTimeout(() => void this.reload(), debounceMs);
        });
        watcher.on('error', (error) => this.log.warn({ err: error, dir }, 'content watcher stopped'));
        this.#watchers.push(watcher);
      } catch (error) {
        this.log.warn({ err: error, dir }, 'cannot watch content folder; hot reload is off for it');
      }
    }
    if (this.trainer?.warm) this.#warmUp(this.trainer);
  }

  /**
   * Starts the training threads and trains the current content in them once (the result is
   * dropped): a thread needs that first training to load and optimise the code, which would
   * otherwise make the first reload several times slower than the next ones. Queued like a reload.
   */
  #warmUp(trainer: Trainer & { warm?(): void }): void {
    trainer.warm?.();
    this.#queue = this.#queue
      .then(async () => {
        if (this.#closed) return;
        const { corpus, ok } = loadChecked(this.paths);
        if (ok) await trainNlu(corpus, trainer);
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.log.warn({ err: error, code: 'CROUPIER_NLU_TRAINING_FAILED' }, 'training threads did not warm up');
      });
  }

  /** Stops watching; a reload still running is dropped (its result is not swapped in). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
  }
}
