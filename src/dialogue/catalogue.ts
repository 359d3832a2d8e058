import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import { isContentFile, type ContentIssue } from '../core/content-issue.js';
import { parseYamlWithSchema } from '../config/yaml-source.js';

/** One `flows/texts/<lang>.yaml` file: a language and its texts by key. */
export const textFileSchema = z
  .object({
    $schema: z.string().optional(),
    language: z.string().regex(/^[a-z]{2,3}$/, 'a language code such as en, es or ro'),
    texts: z.record(
      z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'keys are dotted snake_case, e.g. deposit.not_credited'),
      z.string().trim().min(1, 'a text cannot be empty'),
    ),
  })
  .strict();

/**
 * The texts the bot says, per language, with the default language as the fallback for a key a
 * translation lacks. A key missing everywhere is a lint error at load time; at run time it
 * degrades to the default language and never to an empty message.
 *
 * @example catalogue.text('es', 'welcome.text', { name: 'Ana' })
 */
export class Catalogue {
  readonly #languages: readonly string[];

  constructor(
    readonly fallback: string,
    private readonly texts: ReadonlyMap<string, ReadonlyMap<string, string>>,
  ) {
    this.#languages = [...texts.keys()].sort();
  }

  /** Sorted; read on every turn, so sorted once (a catalogue never changes: hot reload makes a new one). */
  get languages(): string[] {
    return [...this.#languages];
  }

  /** The text in exactly this language, without falling back (for per-language word lists). */
  own(language: string, key: string): string | undefined {
    return this.texts.get(language)?.get(key);
  }

  /** Keys of a language's own texts, sorted (the default language has them all). */
  keys(language: string = this.fallback): string[] {
    return [...(this.texts.get(language)?.keys() ?? [])].sort();
  }

  has(language: string, key: string): boolean {
    return this.texts.get(language)?.has(key) ?? false;
  }

  text(language: string, key: string, vars: Readonly<Record<string, string | number>> = {}): string {
    const template = this.texts.get(language)?.get(key) ?? this.texts.get(this.fallback)?.get(key);
    if (template === undefined) return `[${key}]`;
    if (!template.includes('{')) return template;
    return template.replace(/\{([a-zA-Z0-9_.]+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  }
}

/** Loads every `<lang>.yaml` under `dir` and lints the set: missing translations are errors. */
export function loadCatalogue(dir: string, fallback: string, rootDir = process.cwd()): { catalogue: Catalogue; issues: ContentIssue[] } {
  const issues: ContentIssue[] = [];
  const texts = new Map<string, Map<string, string>>();
  const files = existsSync(dir) ? readdirSync(dir).filter(isContentFile) : [];
  const positions = new Map<string, string>();
  for (const name of files.sort()) {
    const path = join(dir, name);
    const shown = relative(rootDir, path);
    const { value, issues: fileIssues } = parseYamlWithSchema(readFileSync(path, 'utf8'), shown, textFileSchema);
    issues.push(...fileIssues);
    if (!value) continue;
    if (value.language !== basename(name, '.yaml')) {
      issues.push({
        file: shown,
        line: 1,
        column: 1,
        rule: 'language-mismatch',
        message: `the file is named ${name} but says language: ${value.language}`,
        hint: `rename the file to ${value.language}.yaml`,
        severity: 'error',
      });
      continue;
    }
    texts.set(value.language, new Map(Object.entries(value.texts)));
    positions.set(value.language, shown);
  }
  const base = texts.get(fallback);
  if (!base) {
    issues.push({
      file: relative(rootDir, join(dir, `${fallback}.yaml`)),
      line: 1,
      column: 1,
      rule: 'missing-default-language',
      message: `there are no texts for the default language "${fallback}"`,
      hint: 'add the file or change languages.default in croupier.yaml',
      severity: 'error',
    });
  } else {
    for (const [language, map] of texts) {
      if (language === fallback) continue;
      const file = positions.get(language) ?? language;
      for (const key of base.keys()) {
        if (!map.has(key)) {
          issues.push({
            file,
            line: 1,
            column: 1,
            rule: 'missing-translation',
            message: `text "${key}" has no ${language} translation`,
            hint: `add "${key}" under texts:`,
            severity: 'error',
          });
        }
      }
      for (const key of map.keys()) {
        if (!base.has(key)) {
          issues.push({
            file,
            line: 1,
            column: 1,
            rule: 'unknown-text',
            message: `text "${key}" does not exist in the default language (${fallback})`,
            hint: 'add it to the default language or remove it',
            severity: 'warning',
          });
        }
      }
    }
  }
  return { catalogue: new Catalogue(fallback, texts), issues };
}
