import { kindOf, type Flow } from './flow-loader.js';
import { successors } from './flow-lint.js';
import type { FlowStep } from './flow-schema.js';

/**
 * A Mermaid flowchart of one flow, so content teams can see what they edit (paste it into any
 * Mermaid viewer, GitHub renders it in Markdown). Node shapes follow the step kind: questions are
 * parallelograms, branches diamonds, hand-offs and ends rounded.
 */
export function flowDiagram(flow: Flow): string {
  const lines = [
    'flowchart TD',
    `  start((${quote(flow.triggers.length ? flow.triggers.join(', ') : flow.id)})) --> ${node(flow.steps[0]?.id ?? 'end')}`,
  ];
  for (const step of flow.steps) {
    lines.push(`  ${node(step.id)}${shape(step)}`);
    const labelled = new Map<string, string>();
    step.branch?.forEach((branchCase) =>
      labelled.set('goto' in branchCase ? branchCase.goto : branchCase.else, 'goto' in branchCase ? branchCase.if : 'else'),
    );
    step.buttons?.forEach((button) => button.goto && labelled.set(button.goto, `button ${button.label}`));
    if (step.on_error) labelled.set(step.on_error, 'error');
    if (step.on_fail) labelled.set(step.on_fail, 'not verified');
    if (step.on_give_up) labelled.set(step.on_give_up, 'gave up');
    for (const target of new Set(successors(flow, step))) {
      const label = labelled.get(target);
      lines.push(`  ${node(step.id)} -->${label ? `|${quote(label)}|` : ''} ${node(target)}`);
    }
    if (step.goto_flow) lines.push(`  ${node(step.id)} --> flow_${step.goto_flow}[[${quote(`flow ${step.goto_flow}`)}]]`);
    for (const button of step.buttons ?? [])
      if (button.flow) lines.push(`  ${node(step.id)} -.->|${quote(button.label)}| flow_${button.flow}[[${quote(`flow ${button.flow}`)}]]`);
  }
  return `${lines.join('\n')}\n`;
}

/** An index of all flows: which intent starts which flow, and which flow leads to which. */
export function flowIndexDiagram(flows: ReadonlyMap<string, Flow>): string {
  const lines = ['flowchart LR'];
  for (const flow of flows.values()) {
    lines.push(`  flow_${flow.id}[[${quote(flow.id)}]]`);
    for (const intent of flow.triggers) lines.push(`  intent_${intent}([${quote(intent)}]) --> flow_${flow.id}`);
    const targets = new Set<string>();
    for (const step of flow.steps) {
      if (step.goto_flow) targets.add(step.goto_flow);
      for (const button of step.buttons ?? []) if (button.flow) targets.add(button.flow);
    }
    for (const target of targets) lines.push(`  flow_${flow.id} -.-> flow_${target}`);
  }
  return `${lines.join('\n')}\n`;
}

function node(id: string): string {
  return `step_${id}`;
}

function shape(step: FlowStep): string {
  const kind = kindOf(step);
  const label = quote(`${step.id}: ${describe(step)}`);
  switch (kind) {
    case 'ask':
      return `[/${label}/]`;
    case 'branch':
      return `{${label}}`;
    case 'handoff':
    case 'end':
      return `([${label}])`;
    case 'call':
      return `[(${label})]`;
    default:
      return `[${label}]`;
  }
}

function describe(step: FlowStep): string {
  switch (kindOf(step)) {
    case 'say':
      return `say ${step.say ?? ''}`;
    case 'ask':
      return `ask ${step.slot ?? ''} (${step.expect ?? 'text'})`;
    case 'branch':
      return 'branch';
    case 'call':
      return `call ${step.call ?? ''}`;
    case 'verify':
      return 'verify player';
    case 'set':
      return `set ${Object.keys(step.set ?? {}).join(', ')}`;
    case 'goto_flow':
      return `go to ${step.goto_flow ?? ''}`;
    case 'handoff':
      return `hand off to ${step.handoff?.skill ?? 'general'} (${step.handoff?.priority ?? 'normal'})`;
    case 'end':
      return `end ${step.end ?? 'resolved'}`;
  }
}

/** Mermaid labels in double quotes; quotes inside become #quot;. */
function quote(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}
