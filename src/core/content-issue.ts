/**
 * A problem found in a file that a person edits (croupier.yaml, intents/, flows/).
 * It always names the place, says what is wrong, and where possible how to fix it, so a content
 * editor never has to read a stack trace.
 */
export interface ContentIssue {
  /** Path as the person knows it, relative to the project root when possible. */
  readonly file: string;
  /** 1-based line and column; 1:1 when the problem concerns the whole file. */
  readonly line: number;
  readonly column: number;
  /** Stable rule id, e.g. `schema`, `yaml-syntax`, `unknown-intent`. */
  readonly rule: string;
  readonly message: string;
  readonly hint?: string;
  readonly severity: 'error' | 'warning';
}

/** `intents/es/payments.yaml:12:7 error what is wrong (hint: how to fix)` */
export function formatIssue(issue: ContentIssue): string {
  const hint = issue.hint ? ` (hint: ${issue.hint})` : '';
  return `${issue.file}:${issue.line}:${issue.column} ${issue.severity} [${issue.rule}] ${issue.message}${hint}`;
}

export function hasErrors(issues: readonly ContentIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/**
 * Whether a name in a content folder is content: a `.yaml` file that is not hidden. Editors and
 * tools keep hidden files beside the ones being edited (Emacs's `.#account.yaml` lock, a dangling
 * symlink while changes are unsaved; `.account.yaml.swp`); they are never content.
 */
export function isContentFile(name: string): boolean {
  return name.endsWith('.yaml') && !name.startsWith('.');
}
