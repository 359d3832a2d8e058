import { z } from 'zod';

/**
 * The flow file format (flows/<flow>.yaml), as one zod schema: the validator and the JSON Schema in
 * schemas/flow.schema.json come from here. A step is a mapping with an `id` and exactly one kind
 * key (say, ask, branch, call, verify, set, goto_flow, handoff, end); the other keys refine it.
 */
export const STEP_KINDS = ['say', 'ask', 'branch', 'call', 'verify', 'set', 'goto_flow', 'handoff', 'end'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const textKey = z
  .string()
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'a text key is dotted snake_case, e.g. withdrawal.pending')
  .describe('Key of a text in flows/texts/<lang>.yaml');
const stepId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a step id is snake_case, e.g. ask_amount');
const flowId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a flow id is snake_case, e.g. password_reset');
const slotName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a slot name is snake_case, e.g. amount');

export const EXPECTATIONS = ['text', 'email', 'amount', 'number', 'choice', 'pattern', 'yes_no', 'code'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

const button = z
  .object({
    label: textKey.describe('Text key of the button label'),
    goto: stepId.optional().describe('Step of this flow to continue at when pressed'),
    flow: flowId.optional().describe('Flow to start when pressed'),
    value: z.string().optional().describe('Value an `ask` step receives when pressed'),
  })
  .strict();

const choice = z
  .object({
    value: z.string().min(1).describe('What the slot is set to'),
    label: textKey.describe('Text key of the option as shown to the player'),
    synonyms: z.array(z.string().min(1)).optional().describe('Other words players type for this option, any language'),
    prefill: z
      .boolean()
      .optional()
      .describe(
        "false: never taken from the message that started the flow, for words players mention in passing ('password' in \"my password is right but I can't log in\"); still an answer when asked",
      ),
  })
  .strict();

const branchCase = z.union([
  z.object({ if: z.string().min(1).describe('Condition, e.g. slots.kyc.status == pending'), goto: stepId }).strict(),
  z.object({ else: stepId.describe('Step when no condition above holds') }).strict(),
]);

export const stepSchema = z
  .object({
    id: stepId.describe('Unique within the flow'),
    // say
    say: textKey.optional().describe('Say a text'),
    buttons: z.array(button).max(10).optional().describe('Buttons offered with a say or ask step'),
    // ask
    ask: textKey.optional().describe('Ask a question and fill `slot` from the answer'),
    slot: slotName.optional(),
    expect: z.enum(EXPECTATIONS).optional().describe('How the answer is validated (default text)'),
    choices: z.array(choice).max(10).optional().describe('Options for expect: choice (shown as buttons)'),
    pattern: z.string().optional().describe('Regular expression for expect: pattern'),
    hint: textKey.optional().describe('Said before asking again after an invalid answer'),
    tries: z.number().int().min(1).max(10).optional().describe('Invalid answers accepted before giving up (default 3)'),
    on_give_up: stepId.optional().describe('Step after too many invalid answers (default: hand off)'),
    prefill: z
      .boolean()
      .optional()
      .describe(
        'false: always ask, even when the message that started the flow already answers it (default: an amount with currency, an e-mail or one named choice in that message fills the slot)',
      ),
    digressions: z
      .boolean()
      .optional()
      .describe('false: every answer is taken as the answer, never as a new question (free-text details such as a complaint)'),
    // branch
    branch: z.array(branchCase).min(1).optional().describe('First matching condition wins'),
    // call
    call: z.string().optional().describe('Back-office action, e.g. crm.withdrawals'),
    args: z.record(z.string(), z.string()).optional().describe('Arguments; templates like {slots.email} allowed'),
    save_as: slotName.optional().describe('Slot that receives the result'),
    on_error: stepId.optional().describe('Step when the back office fails or times out (default: hand off)'),
    // verify
    verify: z.literal('player').optional().describe('Require a verified player (signed token or one-time code)'),
    on_fail: stepId.optional().describe('Step when verification fails (default: hand off)'),
    // set
    set: z
      .record(slotName, z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('Set slots'),
    // goto_flow
    goto_flow: flowId.optional().describe('Continue in another flow'),
    // handoff
    handoff: z
      .object({
        reason: z.string().regex(/^[a-z][a-z0-9_]*$/),
        skill: z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/)
          .default('general'),
        priority: z.enum(PRIORITIES).default('normal'),
        say: textKey.optional().describe('Said before handing off (default: handoff.default)'),
      })
      .strict()
      .optional()
      .describe('Hand the conversation to a human agent'),
    // end
    end: z.enum(['resolved', 'unresolved']).optional().describe('End the flow'),
    next: stepId.optional().describe('Step to continue at (default: the next one in the list)'),
  })
  .strict()
  .superRefine((step, ctx) => {
    // `say` on an end step is the closing line, not a second kind
    const kinds = STEP_KINDS.filter((kind) => step[kind] !== undefined && !(kind === 'say' && step.end !== undefined));
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `step "${step.id}" needs one of: ${STEP_KINDS.join(', ')}`
            : `step "${step.id}" has ${kinds.join(' and ')}: a step does exactly one thing, split it in two`,
      });
      return;
    }
    const kind = kinds[0] as StepKind;
    if (kind === 'ask' && step.slot === undefined) ctx.addIssue({ code: 'custom', path: ['slot'], message: 'an ask step needs `slot`' });
    if (kind === 'ask' && step.expect === 'choice' && !step.choices?.length)
      ctx.addIssue({ code: 'custom', path: ['choices'], message: 'expect: choice needs `choices`' });
    if (kind === 'ask' && step.expect === 'pattern' && step.pattern === undefined)
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'expect: pattern needs `pattern`' });
    if (step.pattern !== undefined) {
      try {
        new RegExp(step.pattern, 'iu');
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid regular expression: ${(error as Error).message}` });
      }
    }
    const allowed: Record<StepKind, readonly string[]> = {
      say: ['buttons', 'next'],
      ask: ['slot', 'expect', 'choices', 'pattern', 'hint', 'tries', 'on_give_up', 'digressions', 'prefill', 'buttons', 'next'],
      branch: [],
      call: ['args', 'save_as', 'on_error', 'next'],
      verify: ['on_fail', 'next'],
      set: ['next'],
      goto_flow: [],
      handoff: [],
      end: ['say'],
    };
    for (const key of Object.keys(step)) {
      if (key === 'id' || key === kind || (STEP_KINDS as readonly string[]).includes(key)) continue;
      if (!allowed[kind].includes(key))
        ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` does not apply to a ${kind} step` });
    }
  });

export const flowFileSchema = z
  .object({
    $schema: z.string().optional(),
    flow: flowId.describe('The flow id; must match the file name'),
    description: z.string().optional(),
    title: textKey.optional().describe('Short label of this flow for "did you mean…?" buttons and menus'),
    triggers: z
      .array(z.string().regex(/^[a-z][a-z0-9_]*$/))
      .default([])
      .describe('Intents that start this flow'),
    ends_topic: z
      .boolean()
      .default(false)
      .describe(
        'Started while another flow waits for an answer, this flow ends that flow instead of coming back to it afterwards (a goodbye); other flows are digressions that return',
      ),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type FlowFile = z.output<typeof flowFileSchema>;
export type FlowStep = z.output<typeof stepSchema>;

export function stepKind(step: FlowStep): StepKind {
  if (step.end !== undefined) return 'end';
  const kind = STEP_KINDS.find((k) => step[k] !== undefined);
  if (!kind) throw new Error(`step ${step.id} has no kind`);
  return kind;
}
