import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { ContentIssue } from '../core/content-issue.js';

/**
 * Parses a YAML file a person wrote and validates it against a zod schema, turning every problem into
 * a {@link ContentIssue} with file, line and column. YAML syntax errors and schema errors both come
 * back as issues; nothing here throws for bad content. `locate` gives the position of any path, for
 * the semantic checks that run after the schema.
 *
 * @example const { value, issues } = parseYamlWithSchema(text, 'croupier.yaml', configSchema)
 */
export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): {
  value: z.output<S> | undefined;
  issues: ContentIssue[];
  locate: (path: readonly (string | number)[]) => { line: number; column: number };
} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const at = (path: readonly (string | number)[]) => locate(doc, lineCounter, path);
  const issues: ContentIssue[] = [];
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      rule: 'yaml-syntax',
      message: firstLine(error.message),
      hint: 'check the indentation and quote text that contains ": " or starts with a special character',
      severity: 'error',
    });
  }
  if (issues.length > 0) return { value: undefined, issues, locate: at };

  const data: unknown = doc.toJS({ maxAliasCount: 50 }) ?? {};
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { value: result.data, issues, locate: at };
  for (const zodIssue of result.error.issues) {
    const path = zodIssue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const { line, column } = locate(doc, lineCounter, path, zodIssue.code === 'unrecognized_keys' ? zodIssue.keys : undefined);
    issues.push({
      file,
      line,
      column,
      rule: 'schema',
      message: describe(path, zodIssue),
      severity: 'error',
    });
  }
  return { value: undefined, issues, locate: at };
}

/** Finds the 1-based position of the node at `path`, falling back to its nearest existing parent. */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
  unknownKeys?: readonly string[],
): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      let offset = node.range[0];
      if (depth === path.length && unknownKeys && unknownKeys.length > 0 && 'items' in node) {
        const items = (node as { items: { key?: unknown }[] }).items;
        const pair = items.find((item) => isNode(item.key) && unknownKeys.includes(String((item.key as { value?: unknown }).value)));
        if (pair && isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      } else if (depth === path.length && depth > 0) {
        // point at the key of a mapping entry, which is where people look
        const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
        if (isNode(parent) && 'items' in parent) {
          const items = (parent as { items: { key?: unknown }[] }).items;
          const pair = items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === path[depth - 1]);
          if (pair && isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
        }
      }
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

function describe(path: readonly (string | number)[], issue: z.core.$ZodIssue): string {
  const where = path.length === 0 ? 'the file' : `\`${formatPath(path)}\``;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `${where} is required (expected ${issue.expected})`
        : `${where} must be ${article(issue.expected)}, got ${kindOf(issue.input)}`;
    case 'unrecognized_keys':
      return `${where} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    case 'invalid_value':
      return `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
