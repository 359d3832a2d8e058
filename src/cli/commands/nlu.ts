import { createInterface } from 'node:readline';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { formatIssue } from '../../core/content-issue.js';
import { readDataset } from '../../nlu/datasets.js';
import { crossValidate, evaluateSplit, type LanguageEvaluation } from '../../nlu/evaluate.js';
import { loadIntentDirectory } from '../../nlu/intent-file.js';
import { createNlu, type Nlu } from '../../nlu/nlu.js';

/** `croupier nlu parse` and `croupier nlu eval`. */
export function registerNluCommands(program: Command, options: { rootDir: () => string }): void {
  const nlu = program.command('nlu').description('understand messages and measure the NLU');

  nlu
    .command('parse [text...]')
    .description('language, intent, confidence and entities of one text, or (with --json) of every line on stdin')
    .option('--json', 'one JSON object per line: {text, language, intent, confidence, entities}')
    .option('--language <code>', 'the language the conversation is in (prior for detection)')
    .option('--intents-dir <dir>', 'intents folder', 'intents')
    .addHelpText('after', '\nExamples:\n  $ croupier nlu parse "donde esta mi retiro"\n  $ cat messages.txt | croupier nlu parse --json')
    .action(async (words: string[], flags: { json?: boolean; language?: string; intentsDir: string }) => {
      const model = load(options.rootDir(), flags.intentsDir);
      if (!model) {
        process.exitCode = 1;
        return;
      }
      const parseOne = (text: string) => {
        const parsed = model.parse(text, flags.language ? { remembered: flags.language } : {});
        return { text, language: parsed.language, intent: parsed.intent, confidence: round(parsed.confidence), entities: parsed.entities };
      };
      if (words.length > 0) {
        const text = words.join(' ');
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(parseOne(text))}\n`
            : pretty(model.parse(text, flags.language ? { remembered: flags.language } : {})),
        );
        return;
      }
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        process.stdout.write(`${JSON.stringify(parseOne(line))}\n`);
      }
    });

  nlu
    .command('eval')
    .description('k-fold cross-validation of the shipped intents per language, or train/test evaluation on an external dataset')
    .option('--folds <n>', 'folds for cross-validation', (v) => Number.parseInt(v, 10), 5)
    .option('--external <dir>', 'evaluate on a dataset folder (Banking77 CSV, CLINC150 JSON, seq.in/label splits) instead')
    .option('--intents-dir <dir>', 'intents folder', 'intents')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ croupier nlu eval\n  $ croupier nlu eval --external ../shared/datasets/banking77 --json')
    .action((flags: { folds: number; external?: string; intentsDir: string; json?: boolean }) => {
      if (flags.external) {
        const data = readDataset(flags.external);
        const result = evaluateSplit(data.train, data.test, data.language);
        const summary = {
          dataset: data.name,
          accuracy: round(result.metrics.accuracy),
          macroF1: round(result.metrics.macroF1),
          outOfScopeRecall: result.outOfScopeRecall === null ? null : round(result.outOfScopeRecall),
          trainMs: Math.round(result.trainMs),
          confused: result.metrics.confused,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(summary)}\n`
            : `${data.name}: accuracy ${pct(result.metrics.accuracy)}, macro-F1 ${pct(result.metrics.macroF1)}${result.outOfScopeRecall === null ? '' : `, out-of-scope recall ${pct(result.outOfScopeRecall)}`}, trained in ${Math.round(result.trainMs)} ms\n`,
        );
        return;
      }
      const { corpus, issues } = loadIntentDirectory(join(options.rootDir(), flags.intentsDir), options.rootDir());
      if (issues.some((i) => i.severity === 'error')) {
        for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
        process.exitCode = 1;
        return;
      }
      const bar =
        process.stderr.isTTY && !flags.json
          ? new cliProgress.SingleBar(
              { format: 'cross-validating {bar} {value}/{total} folds', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      const results = crossValidate(corpus, {
        folds: flags.folds,
        onProgress: (done, total) => {
          if (done === 1) bar?.start(total, 0);
          bar?.update(done);
        },
      });
      bar?.stop();
      process.stdout.write(flags.json ? `${JSON.stringify(results)}\n` : report(results));
    });
}

function load(rootDir: string, intentsDir: string): Nlu | undefined {
  const { corpus, issues } = loadIntentDirectory(join(rootDir, intentsDir), rootDir);
  for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
  if (issues.some((i) => i.severity === 'error')) return undefined;
  return createNlu(corpus);
}

function pretty(parsed: ReturnType<Nlu['parse']>): string {
  const entities = parsed.entities.map((e) => `${e.entity}=${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}`);
  return [
    `language    ${parsed.language} (${round(parsed.languageConfidence)})`,
    `intent      ${parsed.intent ?? '(out of scope: fallback)'} (${round(parsed.confidence)})${parsed.ambiguous ? '  ambiguous' : ''}`,
    `ranking     ${parsed.ranking.map((r) => `${r.intent} ${round(r.confidence)}`).join(' · ')}`,
    `entities    ${entities.length > 0 ? entities.join(', ') : '—'}`,
    '',
  ].join('\n');
}

function report(results: readonly LanguageEvaluation[]): string {
  const lines = [
    '',
    '| language | accuracy (fallbacks count as wrong) | top-1 accuracy | macro-F1 | out-of-scope recall | short-message language detection | train ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.language} | ${pct(r.intents.accuracy)} | ${pct(r.top1Accuracy)} | ${pct(r.intents.macroF1)} | ${r.outOfScopeRecall === null ? '—' : pct(r.outOfScopeRecall)} | ${pct(r.shortLanguageAccuracy)} (${r.shortMessages}) | ${Math.round(r.trainMs)} |`,
    );
  }
  lines.push('', `Training every language (with calibration): ${Math.round(results.reduce((ms, r) => ms + r.trainMs, 0))} ms in total.`);
  for (const r of results) {
    lines.push(
      '',
      `${r.language}: weakest intents (recall) — ${Object.entries(r.intents.perIntent)
        .sort((a, b) => a[1].recall - b[1].recall)
        .slice(0, 3)
        .map(([k, v]) => `${k} ${pct(v.recall)}`)
        .join(', ')}`,
    );
    lines.push(
      `${r.language}: most confused — ${r.intents.confused
        .slice(0, 3)
        .map((c) => `${c.expected}→${c.predicted} ×${c.count}`)
        .join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
