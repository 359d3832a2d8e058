import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { isContentFile, type ContentIssue } from '../core/content-issue.js';
import { parseYamlWithSchema } from '../config/yaml-source.js';

/**
 * The intent file format (intents/<lang>/<topic>.yaml): a language, intents with example
 * utterances, entities (value lists with synonyms, or patterns), and out-of-scope examples.
 * The JSON Schema in schemas/intents.schema.json is generated from this zod schema.
 */
const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'names are snake_case, e.g. deposit_issue');

export const intentFileSchema = z
  .object({
    $schema: z.string().optional(),
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'a language code such as en, es or ro')
      .describe('Must match the folder name'),
    intents: z
      .array(
        z
          .object({
            name,
            examples: z.array(z.string().trim().min(1)).min(1).describe('What players write; at least 30 per intent is recommended'),
          })
          .strict(),
      )
      .default([]),
    entities: z
      .array(
        z
          .object({
            name,
            values: z
              .array(z.object({ value: z.string().min(1), synonyms: z.array(z.string().min(1)).default([]) }).strict())
              .optional()
              .describe('A list of values with synonyms; typos are matched fuzzily'),
            pattern: z.string().optional().describe('A JavaScript regular expression (case-insensitive)'),
          })
          .strict()
          .refine((entity) => (entity.values === undefined) !== (entity.pattern === undefined), {
            message: 'an entity has either `values` or `pattern`',
          }),
      )
      .default([]),
    out_of_scope: z.array(z.string().trim().min(1)).default([]).describe('Messages the bot must not map to any intent'),
  })
  .strict();

export type IntentFile = z.output<typeof intentFileSchema>;

/** The JSON Schema of intent files (schemas/intents.schema.json), generated from {@link intentFileSchema}. */
export function intentsJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(intentFileSchema, { io: 'input' }), title: 'Croupier intents (intents/<lang>/<topic>.yaml)' };
}

export interface EntityDefinition {
  readonly name: string;
  readonly values?: readonly { readonly value: string; readonly synonyms: readonly string[] }[];
  readonly pattern?: RegExp;
}

/** Everything learned from intents/, per language. */
export interface LanguageCorpus {
  readonly language: string;
  readonly examples: { readonly text: string; readonly intent: string }[];
  readonly outOfScope: string[];
  readonly entities: EntityDefinition[];
}

export type Corpus = ReadonlyMap<string, LanguageCorpus>;

/**
 * Loads `dir`/<lang>/*.yaml (usually `<rootDir>/intents`); the folder name is the language, and a
 * file whose `language` differs is an issue. Every problem is a {@link ContentIssue} with file
 * (relative to `rootDir`), line and column; a broken file is skipped, never thrown.
 */
export function loadIntentDirectory(dir: string, rootDir: string): { corpus: Map<string, LanguageCorpus>; issues: ContentIssue[] } {
  const corpus = new Map<string, LanguageCorpus>();
  const issues: ContentIssue[] = [];
  if (!existsSync(dir)) return { corpus, issues };
  for (const language of readdirSync(dir).sort()) {
    if (language.startsWith('.')) continue;
    const folder = join(dir, language);
    if (!statSync(folder).isDirectory()) continue;
    const entry: LanguageCorpus = { language, examples: [], outOfScope: [], entities: [] };
    const seen = new Map<string, string>();
    for (const fileName of readdirSync(folder).filter(isContentFile).sort()) {
      const file = relative(rootDir, join(folder, fileName)) || fileName;
      const {
        value,
        issues: fileIssues,
        locate,
      } = parseYamlWithSchema(readFileSync(join(folder, fileName), 'utf8'), file, intentFileSchema);
      issues.push(...fileIssues);
      if (!value) continue;
      if (value.language !== language) {
        issues.push({
          file,
          ...locate(['language']),
          rule: 'language-mismatch',
          message: `the file is in intents/${language}/ but says language: ${value.language}`,
          hint: `move it to intents/${value.language}/ or fix the language`,
          severity: 'error',
        });
        continue;
      }
      value.intents.forEach((intent, index) => {
        intent.examples.forEach((example, exampleIndex) => {
          const key = example.toLowerCase();
          const other = seen.get(key);
          if (other !== undefined && other !== intent.name) {
            issues.push({
              file,
              ...locate(['intents', index, 'examples', exampleIndex]),
              rule: 'conflicting-example',
              message: `"${example}" is an example of both ${other} and ${intent.name}`,
              hint: 'keep it in one intent only',
              severity: 'error',
            });
          }
          seen.set(key, intent.name);
          entry.examples.push({ text: example, intent: intent.name });
        });
      });
      entry.outOfScope.push(...value.out_of_scope);
      value.entities.forEach((entity, index) => {
        if (entity.pattern !== undefined) {
          try {
            entry.entities.push({ name: entity.name, pattern: new RegExp(entity.pattern, 'giu') });
          } catch (error) {
            issues.push({
              file,
              ...locate(['entities', index, 'pattern']),
              rule: 'invalid-pattern',
              message: `invalid regular expression: ${(error as Error).message}`,
              severity: 'error',
            });
          }
        } else {
          const existing = entry.entities.find((e) => e.name === entity.name && e.values);
          const values = entity.values ?? [];
          if (existing?.values)
            (existing.values as { value: string; synonyms: string[] }[]).push(
              ...values.map((v) => ({ value: v.value, synonyms: [...v.synonyms] })),
            );
          else entry.entities.push({ name: entity.name, values: values.map((v) => ({ value: v.value, synonyms: [...v.synonyms] })) });
        }
      });
    }
    if (entry.examples.length > 0 || entry.outOfScope.length > 0) corpus.set(language, entry);
  }
  return { corpus, issues };
}

/** Intent names across all languages. */
export function intentNames(corpus: Corpus): Set<string> {
  const names = new Set<string>();
  for (const entry of corpus.values()) for (const example of entry.examples) names.add(example.intent);
  return names;
}
