import type { ContentIssue } from '../core/content-issue.js';
import type { Catalogue } from './catalogue.js';
import { followingStep, kindOf, type Flow } from './flow-loader.js';
import type { FlowStep } from './flow-schema.js';

export interface LintContext {
  /** Intents the NLU knows, per language merged; undefined when intents are not loaded. */
  readonly intents?: ReadonlySet<string>;
  /** Intents handled without a flow (e.g. human_agent by the global interrupt). */
  readonly builtInIntents?: ReadonlySet<string>;
  /** Back-office actions a `call` step may name. */
  readonly actions: ReadonlySet<string>;
  readonly catalogue: Catalogue;
}

/**
 * The semantic checks that run after the schema, one rule per problem: unknown step or flow
 * references, unreachable steps, unknown intents and actions, texts missing in any language,
 * intents that no flow handles. Each issue points at the offending line with a fix-it hint.
 */
export function lintFlows(flows: ReadonlyMap<string, Flow>, context: LintContext): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const triggeredBy = new Map<string, string>();
  for (const flow of flows.values()) {
    const at = (path: (string | number)[], rule: string, message: string, hint?: string, severity: 'error' | 'warning' = 'error') =>
      issues.push({ file: flow.file, ...flow.locate(path), rule, message, ...(hint ? { hint } : {}), severity });

    flow.triggers.forEach((intent, index) => {
      if (context.intents && !context.intents.has(intent)) {
        at(['triggers', index], 'unknown-intent', `intent "${intent}" does not exist in intents/`, 'check the spelling or add the intent');
      }
      const other = triggeredBy.get(intent);
      if (other)
        at(['triggers', index], 'duplicate-trigger', `intent "${intent}" already starts flow "${other}"`, 'one intent starts one flow');
      else triggeredBy.set(intent, flow.id);
    });

    if (flow.title !== undefined) {
      const missing = context.catalogue.languages.filter((language) => !context.catalogue.has(language, flow.title as string));
      if (missing.length > 0)
        at(
          ['title'],
          'missing-translation',
          `text "${flow.title}" is missing in ${missing.join(', ')}`,
          `add it to flows/texts/${missing[0] ?? 'en'}.yaml`,
        );
    }

    flow.steps.forEach((step, index) => {
      const stepRef = (target: string | undefined, path: (string | number)[]) => {
        if (target !== undefined && !flow.byId.has(target)) {
          at(
            ['steps', index, ...path],
            'unknown-step',
            `step "${target}" does not exist in flow "${flow.id}"`,
            `steps are: ${[...flow.byId.keys()].join(', ')}`,
          );
        }
      };
      const flowRef = (target: string | undefined, path: (string | number)[]) => {
        if (target !== undefined && !flows.has(target))
          at(['steps', index, ...path], 'unknown-flow', `flow "${target}" does not exist`, 'check the spelling or add flows/<name>.yaml');
      };
      const textRef = (key: string | undefined, path: (string | number)[]) => {
        if (key === undefined) return;
        const missing = context.catalogue.languages.filter((language) => !context.catalogue.has(language, key));
        if (missing.length > 0) {
          at(
            ['steps', index, ...path],
            missing.length === context.catalogue.languages.length ? 'unknown-text' : 'missing-translation',
            `text "${key}" is missing in ${missing.join(', ')}`,
            `add "${key}" to flows/texts/${missing[0] ?? 'en'}.yaml`,
          );
        }
      };
      stepRef(step.next, ['next']);
      stepRef(step.on_give_up, ['on_give_up']);
      stepRef(step.on_error, ['on_error']);
      stepRef(step.on_fail, ['on_fail']);
      flowRef(step.goto_flow, ['goto_flow']);
      step.branch?.forEach((branchCase, caseIndex) =>
        stepRef('goto' in branchCase ? branchCase.goto : branchCase.else, ['branch', caseIndex]),
      );
      step.buttons?.forEach((button, buttonIndex) => {
        stepRef(button.goto, ['buttons', buttonIndex, 'goto']);
        flowRef(button.flow, ['buttons', buttonIndex, 'flow']);
        textRef(button.label, ['buttons', buttonIndex, 'label']);
      });
      step.choices?.forEach((choice, choiceIndex) => textRef(choice.label, ['choices', choiceIndex, 'label']));
      textRef(step.say, ['say']);
      textRef(step.ask, ['ask']);
      textRef(step.hint, ['hint']);
      textRef(step.handoff?.say, ['handoff', 'say']);
      if (step.call !== undefined && !context.actions.has(step.call)) {
        at(
          ['steps', index, 'call'],
          'unknown-action',
          `back-office action "${step.call}" does not exist`,
          `actions are: ${[...context.actions].sort().join(', ')}`,
        );
      }
    });

    const reachable = reachableSteps(flow);
    flow.steps.forEach((step, index) => {
      if (!reachable.has(step.id))
        at(
          ['steps', index, 'id'],
          'unreachable-step',
          `step "${step.id}" can never run`,
          'point a next, goto, button or branch at it, or remove it',
        );
    });
  }

  if (context.intents) {
    for (const intent of [...context.intents].sort()) {
      if (!triggeredBy.has(intent) && !context.builtInIntents?.has(intent)) {
        issues.push({
          file: 'intents/',
          line: 1,
          column: 1,
          rule: 'intent-without-flow',
          message: `intent "${intent}" starts no flow, so the bot cannot answer it`,
          hint: `add triggers: [${intent}] to a flow`,
          severity: 'warning',
        });
      }
    }
  }
  return issues;
}

/** Steps reachable from the first one by following every edge a step can take. */
export function reachableSteps(flow: Flow): Set<string> {
  const seen = new Set<string>();
  const queue: FlowStep[] = flow.steps[0] ? [flow.steps[0]] : [];
  while (queue.length > 0) {
    const step = queue.pop() as FlowStep;
    if (seen.has(step.id)) continue;
    seen.add(step.id);
    for (const target of successors(flow, step)) {
      const next = flow.byId.get(target);
      if (next && !seen.has(next.id)) queue.push(next);
    }
  }
  return seen;
}

/** Every step id `step` may continue at. */
export function successors(flow: Flow, step: FlowStep): string[] {
  const out: string[] = [];
  const kind = kindOf(step);
  if (kind === 'say' || kind === 'ask' || kind === 'call' || kind === 'verify' || kind === 'set') {
    const following = followingStep(flow, step);
    if (following) out.push(following.id);
  }
  for (const target of [step.on_give_up, step.on_error, step.on_fail]) if (target) out.push(target);
  for (const branchCase of step.branch ?? []) out.push('goto' in branchCase ? branchCase.goto : branchCase.else);
  for (const button of step.buttons ?? []) if (button.goto) out.push(button.goto);
  return out;
}
