import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContentIssue } from '../../src/core/content-issue.js';
import { Catalogue, loadCatalogue } from '../../src/dialogue/catalogue.js';
import { tempDir } from '../support/server.js';

/** A project with flows/texts/<name> files; returns what loadCatalogue makes of them. */
function load(files: Record<string, string>, fallback = 'en') {
  const root = tempDir('croupier-texts-');
  const dir = join(root, 'flows/texts');
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return loadCatalogue(dir, fallback, root);
}

const texts = (language: string, entries: Record<string, string>) =>
  `language: ${language}\ntexts:\n${Object.entries(entries)
    .map(([key, text]) => `  ${key}: ${JSON.stringify(text)}\n`)
    .join('')}`;

const EN = { 'greeting.hello': 'Hello {name}!', 'greeting.bye': 'Bye', 'deposit.amount': 'You sent {amount} {currency}.' };
const rules = (issues: ContentIssue[]) => issues.map((issue) => issue.rule);

describe('the shipped texts', () => {
  it('load with no issues, in every language, with English as the fallback', () => {
    const { catalogue, issues } = loadCatalogue('flows/texts', 'en', process.cwd());
    expect(issues).toEqual([]);
    expect(catalogue.languages).toEqual(expect.arrayContaining(['de', 'en', 'es', 'ro', 'ru']));
    expect(catalogue.fallback).toBe('en');
    for (const language of catalogue.languages) {
      expect(catalogue.has(language, 'system.apology')).toBe(true);
      expect(catalogue.text(language, 'system.apology').trim()).not.toBe('');
    }
  });
});

describe('Catalogue.text', () => {
  const catalogue = new Catalogue(
    'en',
    new Map([
      ['en', new Map(Object.entries(EN))],
      ['es', new Map([['greeting.hello', '¡Hola {name}!']])],
    ]),
  );

  it('renders the text of the asked language', () => {
    expect(catalogue.text('es', 'greeting.hello', { name: 'Ana' })).toBe('¡Hola Ana!');
    expect(catalogue.text('en', 'greeting.bye')).toBe('Bye');
  });

  it('falls back to the default language for a key the translation lacks, and for an unknown language', () => {
    expect(catalogue.text('es', 'greeting.bye')).toBe('Bye');
    expect(catalogue.text('fr', 'greeting.hello', { name: 'Zoé' })).toBe('Hello Zoé!');
  });

  it('fills every variable, numbers included', () => {
    expect(catalogue.text('en', 'deposit.amount', { amount: 1500, currency: 'EUR' })).toBe('You sent 1500 EUR.');
  });

  it('leaves an unknown variable as it is, never as an empty string', () => {
    expect(catalogue.text('en', 'greeting.hello')).toBe('Hello {name}!');
    expect(catalogue.text('en', 'deposit.amount', { amount: 5 })).toBe('You sent 5 {currency}.');
  });

  it('renders an unknown key as [key]', () => {
    expect(catalogue.text('en', 'no.such_key')).toBe('[no.such_key]');
    expect(catalogue.text('es', 'no.such_key', { name: 'x' })).toBe('[no.such_key]');
  });

  it('own() and has() do not fall back', () => {
    expect(catalogue.own('es', 'greeting.bye')).toBeUndefined();
    expect(catalogue.own('es', 'greeting.hello')).toBe('¡Hola {name}!');
    expect(catalogue.has('es', 'greeting.bye')).toBe(false);
    expect(catalogue.has('en', 'greeting.bye')).toBe(true);
    expect(catalogue.has('fr', 'greeting.bye')).toBe(false);
  });

  it('lists its languages sorted', () => {
    expect(catalogue.languages).toEqual(['en', 'es']);
  });
});

describe('loadCatalogue lint', () => {
  it('accepts a complete set of translations', () => {
    const { catalogue, issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': texts('es', EN) });
    expect(issues).toEqual([]);
    expect(catalogue.languages).toEqual(['en', 'es']);
  });

  it('a missing translation is an error naming the key and the file', () => {
    const partial = Object.fromEntries(Object.entries(EN).filter(([key]) => key !== 'greeting.bye'));
    const { catalogue, issues } = load({ 'en.yaml': texts('en', EN), 'ro.yaml': texts('ro', partial) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: 'missing-translation', severity: 'error', file: join('flows', 'texts', 'ro.yaml') });
    expect(issues[0]?.message).toContain('greeting.bye');
    // and at run time the key still renders, in the default language
    expect(catalogue.text('ro', 'greeting.bye')).toBe('Bye');
  });

  it('a key the default language lacks is an unknown-text warning', () => {
    const { issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': texts('es', { ...EN, 'extra.key': 'Extra' }) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: 'unknown-text', severity: 'warning', file: join('flows', 'texts', 'es.yaml') });
    expect(issues[0]?.message).toContain('extra.key');
  });

  it('an empty text is a schema error at its line', () => {
    const body = 'language: es\ntexts:\n  greeting.hello: Hola\n  greeting.bye: "   "\n  deposit.amount: x\n';
    const { issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': body });
    const schema = issues.filter((issue) => issue.rule === 'schema');
    expect(schema).toHaveLength(1);
    expect(schema[0]).toMatchObject({ file: join('flows', 'texts', 'es.yaml'), line: 4, severity: 'error' });
  });

  it('a badly named key is a schema error at that key', () => {
    const body = 'language: es\ntexts:\n  greeting.hello: Hola\n  Greeting Bye: Adiós\n';
    const { issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': body });
    expect(issues).toEqual([expect.objectContaining({ rule: 'schema', line: 4, column: 3, file: join('flows', 'texts', 'es.yaml') })]);
  });

  it('a YAML syntax error is reported with its position and the rest still loads', () => {
    const { catalogue, issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': 'language: es\ntexts:\n  greeting.hello: [oops\n' });
    expect(rules(issues)).toContain('yaml-syntax');
    expect(issues.find((issue) => issue.rule === 'yaml-syntax')?.file).toBe(join('flows', 'texts', 'es.yaml'));
    expect(catalogue.languages).toEqual(['en']);
  });

  it('a file whose name and language disagree is an error, and is not loaded', () => {
    const { catalogue, issues } = load({ 'en.yaml': texts('en', EN), 'es.yaml': texts('de', EN) });
    expect(issues).toEqual([
      expect.objectContaining({ rule: 'language-mismatch', severity: 'error', file: join('flows', 'texts', 'es.yaml') }),
    ]);
    expect(catalogue.languages).toEqual(['en']);
  });

  it('no file for the default language is a missing-default-language error', () => {
    const { issues } = load({ 'es.yaml': texts('es', EN), 'ro.yaml': texts('ro', EN) });
    expect(issues).toEqual([
      expect.objectContaining({ rule: 'missing-default-language', severity: 'error', file: join('flows', 'texts', 'en.yaml') }),
    ]);
  });

  it('respects another default language', () => {
    const { issues } = load({ 'es.yaml': texts('es', EN), 'en.yaml': texts('en', { 'greeting.hello': 'Hi' }) }, 'es');
    expect(rules(issues)).toEqual(['missing-translation', 'missing-translation']);
    expect(issues.every((issue) => issue.file === join('flows', 'texts', 'en.yaml'))).toBe(true);
  });

  it('an empty or missing directory has no default language', () => {
    expect(rules(load({}).issues)).toEqual(['missing-default-language']);
    expect(rules(loadCatalogue(join(tempDir(), 'nowhere'), 'en').issues)).toEqual(['missing-default-language']);
  });

  it('ignores files that are not .yaml', () => {
    const { issues } = load({ 'en.yaml': texts('en', EN), 'README.md': '# notes' });
    expect(issues).toEqual([]);
  });
});
