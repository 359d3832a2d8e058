import { join } from 'node:path';
import { BACK_OFFICE_ACTION_NAMES } from '../crm/actions.js';
import type { ContentIssue } from '../core/content-issue.js';
import { hasErrors } from '../core/content-issue.js';
import { Catalogue, loadCatalogue } from './catalogue.js';
import { BUILT_IN_INTENTS } from './flow-bot.js';
import { loadFlowDirectory, type Flow } from './flow-loader.js';
import { lintFlows } from './flow-lint.js';

/** Everything the bot needs from intents/ and flows/, loaded and checked as one unit. */
export interface Content {
  readonly catalogue: Catalogue;
  readonly flows: ReadonlyMap<string, Flow>;
  /** Languages the content speaks. */
  readonly languages: readonly string[];
}

export interface ContentOptions {
  readonly rootDir: string;
  readonly flowsDir: string;
  readonly defaultLanguage: string;
  /** Back-office actions `call` steps may use (default: the CRM module's registry). */
  readonly actions?: ReadonlySet<string>;
  /** Intent names known to the NLU, when loaded, for the trigger checks. */
  readonly intents?: ReadonlySet<string>;
}

/**
 * Loads and lints the content. Errors come back as issues, never as exceptions, so a broken edit
 * is reported with file:line:column and the running bot keeps its last good content.
 */
export function loadContent(options: ContentOptions): { content: Content | undefined; issues: ContentIssue[] } {
  const flowsDir = join(options.rootDir, options.flowsDir);
  const { catalogue, issues } = loadCatalogue(join(flowsDir, 'texts'), options.defaultLanguage, options.rootDir);
  const { flows, issues: flowIssues } = loadFlowDirectory(flowsDir, options.rootDir);
  issues.push(...flowIssues);
  issues.push(
    ...lintFlows(flows, {
      actions: options.actions ?? BACK_OFFICE_ACTION_NAMES,
      catalogue,
      builtInIntents: BUILT_IN_INTENTS,
      ...(options.intents ? { intents: options.intents } : {}),
    }),
  );
  if (hasErrors(issues)) return { content: undefined, issues };
  return { content: { catalogue, flows, languages: catalogue.languages }, issues };
}
