import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/dialogue/catalogue.js';
import { flowDiagram, flowIndexDiagram } from '../../src/dialogue/diagram.js';
import { loadFlowDirectory } from '../../src/dialogue/flow-loader.js';
import { lintFlows } from '../../src/dialogue/flow-lint.js';
import { tempDir } from '../support/server.js';

function project(flows: Record<string, string>, texts: Record<string, string> = {}) {
  const root = tempDir('croupier-lint-');
  mkdirSync(join(root, 'flows/texts'), { recursive: true });
  for (const [name, body] of Object.entries(flows)) writeFileSync(join(root, 'flows', name), body);
  const en = texts['en'] ?? 'language: en\ntexts:\n  a.hello: Hello\n  a.ask: How much?\n';
  writeFileSync(join(root, 'flows/texts/en.yaml'), en);
  writeFileSync(join(root, 'flows/texts/es.yaml'), texts['es'] ?? en.replace('language: en', 'language: es'));
  const { flows: loaded, issues } = loadFlowDirectory(join(root, 'flows'), root);
  const { catalogue } = loadCatalogue(join(root, 'flows/texts'), 'en', root);
  return { loaded, issues, catalogue };
}

const lint = (p: ReturnType<typeof project>, intents = new Set(['hello_intent'])) =>
  lintFlows(p.loaded, { catalogue: p.catalogue, actions: new Set(['crm.balance']), intents, builtInIntents: new Set() });

describe('flow validation', () => {
  it('accepts a correct flow', () => {
    const p = project({ 'hello.yaml': 'flow: hello\ntriggers: [hello_intent]\nsteps:\n  - id: hi\n    say: a.hello\n' });
    expect(p.issues).toEqual([]);
    expect(lint(p)).toEqual([]);
  });

  it('reports each semantic problem with its rule, line and a hint', () => {
    const p = project({
      'broken.yaml': [
        'flow: broken',
        'triggers: [hello_intent, no_such_intent]',
        'steps:',
        '  - id: start',
        '    say: a.missing_text',
        '    next: nowhere',
        '  - id: lookup',
        '    call: crm.unknown',
        '  - id: jump',
        '    goto_flow: no_flow',
        '  - id: orphan',
        '    say: a.hello',
      ].join('\n'),
    });
    expect(p.issues).toEqual([]);
    const issues = lint(p).map((i) => `${i.rule}@${i.line}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'unknown-intent@2',
        'unknown-text@5',
        'unknown-step@6',
        'unknown-action@8',
        'unknown-flow@10',
        'unreachable-step@7',
        'unreachable-step@11',
      ]),
    );
    expect(lint(p).find((i) => i.rule === 'unknown-step')?.hint).toBe('steps are: start, lookup, jump, orphan');
  });

  it('reports missing translations, duplicate steps and triggers, and intents without a flow', () => {
    const p = project(
      {
        'dup.yaml': 'flow: dup\nsteps:\n  - id: a\n    ask: a.ask\n    slot: amount\n    expect: amount\n  - id: a\n    say: a.hello\n',
        'one.yaml': 'flow: one\ntriggers: [hello_intent]\nsteps:\n  - id: a\n    say: a.hello\n',
        'two.yaml': 'flow: two\ntriggers: [hello_intent]\nsteps:\n  - id: b\n    say: a.ask\n',
      },
      { es: 'language: es\ntexts:\n  a.hello: Hola\n' },
    );
    expect(p.issues.map((i) => `${i.rule}@${i.line}`)).toEqual(['duplicate-step@7']);
    const issues = lint(p, new Set(['hello_intent', 'lonely_intent']));
    expect(issues.map((i) => i.rule)).toEqual(expect.arrayContaining(['duplicate-trigger', 'missing-translation', 'intent-without-flow']));
    expect(issues.find((i) => i.rule === 'missing-translation')?.message).toContain('es');
  });

  it('reports schema mistakes readably: two kinds in one step, a bad condition with its column', () => {
    const p = project({
      'kinds.yaml': 'flow: kinds\nsteps:\n  - id: both\n    say: a.hello\n    ask: a.ask\n    slot: x\n',
      'cond.yaml': 'flow: cond\nsteps:\n  - id: b\n    branch:\n      - if: slots.amount >\n        goto: b\n',
      'misnamed.yaml': 'flow: other_name\nsteps:\n  - id: s\n    say: a.hello\n',
    });
    const byFile: Record<string, (typeof p.issues)[number]> = Object.fromEntries(
      p.issues.map((i) => [i.file.split('/').pop() ?? i.file, i]),
    );
    expect(byFile['kinds.yaml']?.message).toContain('has say and ask');
    expect(byFile['cond.yaml']).toMatchObject({ rule: 'condition-syntax', line: 5 });
    expect(byFile['cond.yaml']?.message).toContain('expected a value');
    expect(byFile['misnamed.yaml']).toMatchObject({ rule: 'flow-file-name', hint: 'rename the file to other_name.yaml' });
  });
});

describe('croupier diagram', () => {
  it('draws steps by kind with labelled edges, and an index of intents and flows', () => {
    const { flows } = loadFlowDirectory('flows', '.');
    const diagram = flowDiagram(flows.get('withdrawal_status')!);
    expect(diagram.startsWith('flowchart TD\n')).toBe(true);
    expect(diagram).toContain('step_lookup[("lookup: call crm.withdrawals")]');
    expect(diagram).toContain('step_route -->|"slots.wd.count == 0"| step_none');
    expect(diagram).toContain('step_verify -->|"not verified"| step_general_help');
    expect(diagram).toContain('step_handoff(["handoff: hand off to payments (normal)"])');
    const index = flowIndexDiagram(flows);
    expect(index).toContain('intent_withdrawal_status(["withdrawal_status"]) --> flow_withdrawal_status');
    expect(index).toContain('flow_login_problem -.-> flow_password_reset');
  });
});
