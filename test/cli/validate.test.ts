import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../src/cli/commands/validate.js';
import { copyOfShippedContent } from '../support/server.js';

function capture() {
  let text = '';
  return { stream: new Writable({ write: (chunk: Buffer, _e, cb) => ((text += chunk.toString()), cb()) }), text: () => text };
}

const copyProject = () => copyOfShippedContent('croupier-validate-');

describe('croupier validate', () => {
  it('passes on the shipped configuration and content', () => {
    const out = capture();
    expect(runValidate({ rootDir: process.cwd(), config: 'croupier.example.yaml' }, out.stream)).toBe(0);
    expect(out.text()).toContain('✔ configuration and content are valid');
  });

  it('exits 1 and prints file:line:column, the problem and a hint for content mistakes', () => {
    const root = copyProject();
    const flow = join(root, 'flows/vip.yaml');
    writeFileSync(
      flow,
      readFileSync(flow, 'utf8').replace('    call: crm.vip', '    call: crm.vipp').replace('triggers: [vip]', 'triggers: [vip, vipp]'),
    );
    const texts = join(root, 'flows/texts/ro.yaml');
    writeFileSync(texts, readFileSync(texts, 'utf8').replace(/^ {2}vip\.member: .*$/m, ''));
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(1);
    const lines = out.text();
    expect(lines).toMatch(
      /flows\/vip\.yaml:\d+:\d+ error \[unknown-action\] back-office action "crm\.vipp" does not exist \(hint: actions are: /,
    );
    expect(lines).toMatch(/flows\/vip\.yaml:\d+:\d+ error \[unknown-intent\] intent "vipp" does not exist in intents\//);
    expect(lines).toMatch(/flows\/texts\/ro\.yaml:1:1 error \[missing-translation\] text "vip\.member" has no ro translation/);
    expect(lines).toMatch(/✖ \d+ error\(s\)/);
  });

  it('reports as JSON for machines', () => {
    const root = copyProject();
    writeFileSync(join(root, 'intents/en/broken.yaml'), 'language: en\nintents:\n  - name: Bad Name\n    examples: [x]\n');
    const out = capture();
    expect(runValidate({ rootDir: root, json: true }, out.stream)).toBe(1);
    const report = JSON.parse(out.text()) as { ok: boolean; issues: { file: string; line: number; column: number; rule: string }[] };
    expect(report.ok).toBe(false);
    expect(report.issues).toContainEqual(expect.objectContaining({ file: 'intents/en/broken.yaml', line: 3, column: 5, rule: 'schema' }));
  });
});
