import type { ParsedEntity } from './answer.js';

/**
 * What the dialogue remembers between turns, stored as JSON in the conversation. Read defensively:
 * after a content reload a frame may name a flow or step that no longer exists, and the engine
 * restarts or drops it instead of failing.
 */
export interface Frame {
  /** The flow and the step it is at. */
  flow: string;
  step: string;
  /** Invalid answers so far at this step. */
  tries: number;
  /** True when the step asked something and waits for the player's answer. */
  waiting: boolean;
  /**
   * The message that started this flow (its text and entities), kept so that later questions it
   * already answers are skipped (`prefillAnswer`); absent when a button or another flow started it.
   */
  opening?: { text: string; entities: ParsedEntity[]; used?: string[] };
  /** Progress of a `verify` step's one-time-code dialogue. */
  verify?: { stage: 'email' | 'code'; casinoPlayerId?: string; tries: number; resends?: number };
}

export interface DialogueState {
  /** Active flows, innermost last: a digression pushes, its end pops back to the interrupted one. */
  stack: Frame[];
  /** Slots shared by every flow of the conversation. */
  slots: Record<string, unknown>;
  /** Consecutive messages the bot did not understand. */
  fallbacks: number;
  /** Set when the player spoke about gambling harm: no bonus offers in this conversation. */
  responsibleGambling: boolean;
}

export function readState(raw: Record<string, unknown>): DialogueState {
  const stack = Array.isArray(raw['stack'])
    ? raw['stack'].filter(
        (frame): frame is Frame =>
          typeof frame === 'object' &&
          frame !== null &&
          typeof (frame as Frame).flow === 'string' &&
          typeof (frame as Frame).step === 'string',
      )
    : [];
  return {
    stack: stack.map((frame) => ({ ...frame, tries: Number(frame.tries) || 0, waiting: frame.waiting === true })),
    slots:
      typeof raw['slots'] === 'object' && raw['slots'] !== null && !Array.isArray(raw['slots'])
        ? (raw['slots'] as Record<string, unknown>)
        : {},
    fallbacks: Number(raw['fallbacks']) || 0,
    responsibleGambling: raw['responsibleGambling'] === true,
  };
}

export function writeState(state: DialogueState): Record<string, unknown> {
  return { stack: state.stack, slots: state.slots, fallbacks: state.fallbacks, responsibleGambling: state.responsibleGambling };
}
