import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isContentFile, type ContentIssue } from '../core/content-issue.js';
import { parseYamlWithSchema } from '../config/yaml-source.js';
import { ConditionSyntaxError, parseCondition, type Condition } from './condition.js';
import { flowFileSchema, stepKind, type FlowFile, type FlowStep, type StepKind } from './flow-schema.js';

/** A flow as the engine runs it: steps by id, their order, and the branch conditions pre-parsed. */
export interface Flow {
  readonly id: string;
  readonly file: string;
  readonly triggers: readonly string[];
  readonly title: string | undefined;
  /** `ends_topic`: started mid-question, it ends the interrupted flow instead of returning to it. */
  readonly endsTopic: boolean;
  readonly steps: readonly FlowStep[];
  readonly byId: ReadonlyMap<string, FlowStep>;
  /** Parsed `if` conditions, keyed by `<stepId>#<case index>`. */
  readonly conditions: ReadonlyMap<string, Condition>;
  /** 1-based line and column of a path inside the file, for content issues. */
  readonly locate: (path: readonly (string | number)[]) => { line: number; column: number };
}

export function kindOf(step: FlowStep): StepKind {
  return stepKind(step);
}

/** The step after `step` when it does not say otherwise, or undefined at the end of the list. */
export function followingStep(flow: Flow, step: FlowStep): FlowStep | undefined {
  if (step.next !== undefined) return flow.byId.get(step.next);
  const index = flow.steps.indexOf(step);
  return flow.steps[index + 1];
}

/**
 * Loads every `flows/*.yaml` (tests and texts live in sub-folders and are not flows). Problems come
 * back as issues with file, line and column; a file with errors is left out, the others load.
 */
export function loadFlowDirectory(dir: string, rootDir: string): { flows: Map<string, Flow>; issues: ContentIssue[] } {
  const flows = new Map<string, Flow>();
  const issues: ContentIssue[] = [];
  const names = existsSync(dir) ? readdirSync(dir).filter(isContentFile).sort() : [];
  for (const name of names) {
    const path = join(dir, name);
    const file = relative(rootDir, path) || path;
    const { value, issues: fileIssues, locate } = parseYamlWithSchema(readFileSync(path, 'utf8'), file, flowFileSchema);
    issues.push(...fileIssues);
    if (!value) continue;
    const problem = (at: (string | number)[], rule: string, message: string, hint?: string) => {
      const position = locate(at);
      issues.push({ file, ...position, rule, message, ...(hint ? { hint } : {}), severity: 'error' });
    };
    if (value.flow !== basename(name, '.yaml')) {
      problem(
        ['flow'],
        'flow-file-name',
        `the flow is called "${value.flow}" but the file is ${name}`,
        `rename the file to ${value.flow}.yaml`,
      );
      continue;
    }
    const existing = flows.get(value.flow);
    if (existing) {
      problem(['flow'], 'duplicate-flow', `flow "${value.flow}" is also defined in ${existing.file}`);
      continue;
    }
    const byId = new Map<string, FlowStep>();
    let ok = true;
    value.steps.forEach((step, index) => {
      if (byId.has(step.id)) {
        problem(['steps', index, 'id'], 'duplicate-step', `step id "${step.id}" is used twice in this flow`, 'give every step its own id');
        ok = false;
      }
      byId.set(step.id, step);
    });
    const conditions = new Map<string, Condition>();
    value.steps.forEach((step, index) => {
      step.branch?.forEach((branchCase, caseIndex) => {
        if (!('if' in branchCase)) return;
        try {
          conditions.set(`${step.id}#${caseIndex}`, parseCondition(branchCase.if));
        } catch (error) {
          if (!(error instanceof ConditionSyntaxError)) throw error;
          const position = locate(['steps', index, 'branch', caseIndex, 'if']);
          issues.push({
            file,
            line: position.line,
            column: position.column,
            rule: 'condition-syntax',
            message: `condition "${branchCase.if}": ${error.message} at character ${error.column}`,
            hint: 'write conditions like: slots.amount > 100 and player.vip_tier in [gold, platinum]',
            severity: 'error',
          });
          ok = false;
        }
      });
    });
    if (!ok) continue;
    flows.set(value.flow, build(value, file, byId, conditions, locate));
  }
  return { flows, issues };
}

function build(
  value: FlowFile,
  file: string,
  byId: Map<string, FlowStep>,
  conditions: Map<string, Condition>,
  locate: Flow['locate'],
): Flow {
  return {
    id: value.flow,
    file,
    triggers: value.triggers,
    title: value.title,
    endsTopic: value.ends_topic,
    steps: value.steps,
    byId,
    conditions,
    locate,
  };
}
