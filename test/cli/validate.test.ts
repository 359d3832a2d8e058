import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('passes on the shipped content without a configuration file (defaults)', () => {
    const out = capture();
    expect(runValidate({ rootDir: process.cwd() }, out.stream)).toBe(0);
    expect(out.text()).not.toMatch(/ error \[/);
  });

  it('reports a YAML syntax error in a texts file at file:line:column', () => {
    const root = copyProject();
    const texts = join(root, 'flows/texts/es.yaml');
    writeFileSync(texts, `${readFileSync(texts, 'utf8')}  broken.key: [unclosed\n`);
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(1);
    expect(out.text()).toMatch(/^flows\/texts\/es\.yaml:\d+:\d+ error \[yaml-syntax\]/m);
  });

  it('reports a schema error in a flow file at the line and column of the field', () => {
    const root = copyProject();
    writeFileSync(
      join(root, 'flows/zz_broken.yaml'),
      'flow: zz_broken\ntriggers: [greeting]\nsteps:\n  - id: one\n    sayy: greeting.hello\n',
    );
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(1);
    expect(out.text()).toMatch(/^flows\/zz_broken\.yaml:5:5 error \[schema\]/m);
  });

  it('warnings alone keep the exit code 0', () => {
    const root = copyProject();
    const texts = join(root, 'flows/texts/de.yaml');
    writeFileSync(texts, `${readFileSync(texts, 'utf8')}  only.in_german: Nur auf Deutsch\n`);
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(0);
    expect(out.text()).toMatch(/^flows\/texts\/de\.yaml:1:1 warning \[unknown-text\]/m);
    expect(out.text()).toContain('1 warning');
  });

  // Regression: the configuration was read from the working directory while the content came
  // from rootDir, so a project's own croupier.yaml was ignored.
  it("reads the project's croupier.yaml from rootDir and reports its problems", () => {
    const root = copyProject();
    writeFileSync(join(root, 'croupier.yaml'), 'server:\n  port: 3000\n  prot: 1\n');
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(1);
    expect(out.text()).toMatch(/^croupier\.yaml:3:3 error \[schema\]/m);
  });

  it('follows content paths set in the project configuration', () => {
    const root = copyProject();
    cpSync(join(root, 'flows'), join(root, 'content/flows'), { recursive: true });
    rmSync(join(root, 'flows'), { recursive: true });
    const out = capture();
    expect(runValidate({ rootDir: root }, out.stream)).toBe(1);
    writeFileSync(join(root, 'croupier.yaml'), 'content:\n  flowsDir: content/flows\n');
    const again = capture();
    expect(runValidate({ rootDir: root }, again.stream)).toBe(0);
  });

  it('reports a missing --config file as not-found', () => {
    const out = capture();
    expect(runValidate({ rootDir: copyProject(), config: 'missing.yaml' }, out.stream)).toBe(1);
    expect(out.text()).toMatch(/^missing\.yaml:1:1 error \[not-found\]/m);
  });

  it('--json on valid content parses and says ok', () => {
    const out = capture();
    expect(runValidate({ rootDir: process.cwd(), json: true }, out.stream)).toBe(0);
    const report = JSON.parse(out.text()) as { ok: boolean; errors: number; warnings: number; issues: unknown[] };
    expect(report).toMatchObject({ ok: true, errors: 0 });
    expect(report.issues).toHaveLength(report.warnings);
  });

  it('--json on broken content lists each issue with its position', () => {
    const root = copyProject();
    writeFileSync(join(root, 'flows/texts/ro.yaml'), 'language: ro\ntexts:\n  greeting.hello: ""\n');
    const out = capture();
    expect(runValidate({ rootDir: root, json: true }, out.stream)).toBe(1);
    const report = JSON.parse(out.text()) as { ok: boolean; errors: number; issues: { file: string; line: number; rule: string }[] };
    expect(report.ok).toBe(false);
    expect(report.errors).toBeGreaterThan(0);
    expect(report.issues).toContainEqual(expect.objectContaining({ file: 'flows/texts/ro.yaml', line: 3, rule: 'schema' }));
  });
});
