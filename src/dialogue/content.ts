import { join } from 'node:path';
import type { ContentIssue } from '../core/content-issue.js';
import { hasErrors } from '../core/content-issue.js';
import { Catalogue, loadCatalogue } from './catalogue.js';

/** Everything the bot needs from intents/ and flows/, loaded and checked as one unit. */
export interface Content {
  readonly catalogue: Catalogue;
  /** Languages the content speaks. */
  readonly languages: readonly string[];
}

/**
 * Loads and lints the content. Errors come back as issues, never as exceptions, so a broken edit
 * is reported with file:line:column and the running bot keeps its last good content.
 */
export function loadContent(options: { rootDir: string; flowsDir: string; defaultLanguage: string }): {
  content: Content | undefined;
  issues: ContentIssue[];
} {
  const { catalogue, issues } = loadCatalogue(join(options.rootDir, options.flowsDir, 'texts'), options.defaultLanguage, options.rootDir);
  if (hasErrors(issues)) return { content: undefined, issues };
  return { content: { catalogue, languages: catalogue.languages }, issues };
}
