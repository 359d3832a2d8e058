import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ContentIssue } from '../core/content-issue.js';
import { formatIssue, hasErrors } from '../core/content-issue.js';
import { loadContent } from '../dialogue/content.js';
import type { DialogueContent } from '../dialogue/flow-bot.js';
import { intentNames, loadIntentDirectory } from '../nlu/intent-file.js';
import { createNlu, Nlu } from '../nlu/nlu.js';

export interface ContentPaths {
  readonly rootDir: string;
  readonly intentsDir: string;
  readonly flowsDir: string;
  readonly defaultLanguage: string;
}

/** Loads intents and flows, lints them together and trains the NLU: one complete, checked unit. */
export function buildContent(
  paths: ContentPaths,
  previous?: DialogueContent,
): { content: DialogueContent | undefined; issues: ContentIssue[]; trainMs: number } {
  const { corpus, issues } = loadIntentDirectory(join(paths.rootDir, paths.intentsDir), paths.rootDir);
  const loaded = loadContent({
    rootDir: paths.rootDir,
    flowsDir: paths.flowsDir,
    defaultLanguage: paths.defaultLanguage,
    intents: intentNames(corpus),
  });
  issues.push(...loaded.issues);
  if (hasErrors(issues) || !loaded.content) return { content: undefined, issues, trainMs: 0 };
  const started = performance.now();
  // On a reload, languages whose intents did not change keep their trained model.
  const nlu = createNlu(corpus, previous?.nlu instanceof Nlu ? { previous: previous.nlu } : {});
  const trainMs = performance.now() - started;
  return { content: { flows: loaded.content.flows, catalogue: loaded.content.catalogue, nlu }, issues, trainMs };
}

/**
 * The content the bot runs on, reloaded while running: edits to intents/ and flows/ are loaded,
 * validated and trained off to the side and swapped in atomically; a broken edit is logged with its
 * errors and the last good content keeps serving.
 */
export class LiveContent {
  #current: DialogueContent;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #reloads = 0;

  constructor(
    initial: DialogueContent,
    private readonly paths: ContentPaths,
    private readonly log: Logger,
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

  /** Rebuilds now; returns the issues, and swaps only when there are no errors. */
  reload(): ContentIssue[] {
    const { content, issues, trainMs } = buildContent(this.paths, this.#current);
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
          this.#timer = setTimeout(() => this.reload(), debounceMs);
        });
        watcher.on('error', (error) => this.log.warn({ err: error, dir }, 'content watcher stopped'));
        this.#watchers.push(watcher);
      } catch (error) {
        this.log.warn({ err: error, dir }, 'cannot watch content folder; hot reload is off for it');
      }
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
  }
}
