import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CroupierError } from '../core/errors.js';
import type { TrainingExample } from './classifier.js';
import { OUT_OF_SCOPE } from './nlu.js';

/**
 * Readers for the public intent benchmarks in their published formats, for `croupier nlu eval
 * --external` and `npm run bench:nlu`. Out-of-scope examples carry the label {@link OUT_OF_SCOPE}.
 */
export interface DatasetSplit {
  readonly name: string;
  readonly language: string;
  readonly train: TrainingExample[];
  /** Validation data for tuning (thresholds), when the dataset has it. */
  readonly validation: TrainingExample[];
  readonly test: TrainingExample[];
  /** Extra out-of-scope test sets reported separately (e.g. Banking77-OOS id-oos / ood-oos). */
  readonly outOfScopeTests?: Record<string, TrainingExample[]>;
}

/** Reads a dataset folder, recognising Banking77 CSV, CLINC150 JSON, MASSIVE (NLP.js corpus) and seq.in/label folders. */
export function readDataset(dir: string, name = dir.split('/').filter(Boolean).pop() ?? dir): DatasetSplit {
  if (existsSync(join(dir, 'train.csv'))) {
    return { name, language: 'en', train: csv(join(dir, 'train.csv')), validation: [], test: csv(join(dir, 'test.csv')) };
  }
  if (existsSync(join(dir, 'data_full.json'))) {
    const data = JSON.parse(readFileSync(join(dir, 'data_full.json'), 'utf8')) as Record<string, [string, string][]>;
    const rows = (key: string, label?: string) => (data[key] ?? []).map(([text, intent]) => ({ text, label: label ?? intent }));
    return {
      name,
      language: 'en',
      train: [...rows('train'), ...rows('oos_train', OUT_OF_SCOPE)],
      validation: [...rows('val'), ...rows('oos_val', OUT_OF_SCOPE)],
      test: [...rows('test'), ...rows('oos_test', OUT_OF_SCOPE)],
    };
  }
  if (existsSync(join(dir, 'train', 'seq.in'))) {
    const extra: Record<string, TrainingExample[]> = {};
    for (const kind of ['id-oos', 'ood-oos']) {
      if (existsSync(join(dir, kind, 'test', 'seq.in'))) extra[kind] = seqIn(join(dir, kind, 'test'), OUT_OF_SCOPE);
    }
    const validation = [...seqIn(join(dir, 'valid'))];
    for (const kind of ['id-oos', 'ood-oos'])
      if (existsSync(join(dir, kind, 'valid', 'seq.in'))) validation.push(...seqIn(join(dir, kind, 'valid'), OUT_OF_SCOPE));
    return {
      name,
      language: 'en',
      train: seqIn(join(dir, 'train')),
      validation,
      test: seqIn(join(dir, 'test')),
      ...(Object.keys(extra).length ? { outOfScopeTests: extra } : {}),
    };
  }
  throw new CroupierError(
    'CROUPIER_NLU_DATASET_INVALID',
    `${dir}: unknown dataset format (expected train.csv, data_full.json, or train/seq.in)`,
  );
}

/** MASSIVE as converted to the NLP.js corpus format: `utterances` are train, `tests` are test. */
export function readNlpJsCorpus(file: string, name: string): DatasetSplit {
  const corpus = JSON.parse(readFileSync(file, 'utf8')) as {
    locale: string;
    data: { intent: string; utterances: string[]; tests?: string[] }[];
  };
  const train: TrainingExample[] = [];
  const test: TrainingExample[] = [];
  for (const item of corpus.data) {
    for (const text of item.utterances) train.push({ text, label: item.intent });
    for (const text of item.tests ?? []) test.push({ text, label: item.intent });
  }
  return { name, language: corpus.locale.slice(0, 2), train, validation: [], test };
}

function seqIn(dir: string, fixedLabel?: string): TrainingExample[] {
  const texts = readFileSync(join(dir, 'seq.in'), 'utf8').split('\n');
  const labels = existsSync(join(dir, 'label')) ? readFileSync(join(dir, 'label'), 'utf8').split('\n') : [];
  const out: TrainingExample[] = [];
  texts.forEach((text, i) => {
    if (text.trim() === '') return;
    const label = fixedLabel ?? labels[i]?.trim() ?? '';
    out.push({ text: text.trim(), label: label === 'oos' ? OUT_OF_SCOPE : label });
  });
  return out;
}

/** Banking77's CSV: `text,category`, text possibly quoted with doubled quotes. */
function csv(file: string): TrainingExample[] {
  const lines = readFileSync(file, 'utf8').split('\n').slice(1);
  const out: TrainingExample[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const cut = line.lastIndexOf(',');
    let text = line.slice(0, cut);
    if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/""/g, '"');
    out.push({ text, label: line.slice(cut + 1).trim() });
  }
  return out;
}

/** A reproducible hold-out of `share` of `examples`, stratified by label (for tuning without test data). */
export function holdOut(examples: readonly TrainingExample[], share: number): { train: TrainingExample[]; validation: TrainingExample[] } {
  const train: TrainingExample[] = [];
  const validation: TrainingExample[] = [];
  const seen = new Map<string, number>();
  const every = Math.max(2, Math.round(1 / share));
  for (const example of examples) {
    const n = seen.get(example.label) ?? 0;
    seen.set(example.label, n + 1);
    (n % every === every - 1 ? validation : train).push(example);
  }
  return { train, validation };
}
