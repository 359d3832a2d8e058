import { checkConfig } from '../../config/load.js';
import { formatIssue, hasErrors, type ContentIssue } from '../../core/content-issue.js';
import { join } from 'node:path';
import { loadContent } from '../../dialogue/content.js';
import { intentNames, loadIntentDirectory } from '../../nlu/intent-file.js';

/** `croupier validate`: configuration first, then the content it points at (paths relative to `rootDir`, by default the working directory). Returns the exit code. */
export function runValidate(
  options: { config?: string; json?: boolean; rootDir?: string },
  out: NodeJS.WritableStream = process.stdout,
): number {
  const issues: ContentIssue[] = [];
  // The configuration is looked up in the same project as the content it points at.
  const rootDir = options.rootDir ?? process.cwd();
  const { loaded, issues: configIssues } = checkConfig({ cwd: rootDir, ...(options.config ? { file: options.config } : {}) });
  issues.push(...configIssues);
  if (loaded) {
    const { corpus, issues: intentIssues } = loadIntentDirectory(join(rootDir, loaded.config.content.intentsDir), rootDir);
    issues.push(...intentIssues);
    issues.push(
      ...loadContent({
        rootDir,
        flowsDir: loaded.config.content.flowsDir,
        defaultLanguage: loaded.config.languages.default,
        intents: intentNames(corpus),
      }).issues,
    );
  }
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  const warnings = issues.length - errors;
  if (options.json) {
    out.write(`${JSON.stringify({ ok: errors === 0, errors, warnings, issues }, null, 2)}\n`);
  } else {
    for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
    out.write(
      errors === 0
        ? `✔ configuration and content are valid${warnings ? ` (${warnings} warning(s))` : ''}\n`
        : `✖ ${errors} error(s), ${warnings} warning(s)\n`,
    );
  }
  return hasErrors(issues) ? 1 : 0;
}
