import type { Logger } from 'pino';
import type { Conversation, Player, TranscriptEntry } from '../store/store.js';
import type { Inbound, Outbound } from './message.js';

/**
 * One turn: one inbound message travelling through the pipeline. Stages fill it in as it goes
 * (the conversation stage sets `conversation` and `player`, the bot adds `replies`).
 */
export interface Turn {
  readonly id: string;
  /** Replaced only by the numbered-reply stage (a typed "2" becomes the second button's payload). */
  inbound: Inbound;
  /** Set when the numbered-reply stage turned a typed number into an option's payload. */
  numberedReply?: boolean;
  /** True when the message was already claimed (accepted by a webhook, or replayed after a restart). */
  readonly claimed: boolean;
  /**
   * A child logger bound to this turn: channel, turn id, and later the conversation id. Created on
   * first use, so a turn that logs nothing costs nothing.
   */
  readonly log: Logger;
  /** Adds fields to every later line of this turn's log (e.g. the conversation id). */
  bindLog(fields: Readonly<Record<string, string>>): void;
  conversation?: Conversation;
  player?: Player;
  /** The inbound message as stored in the transcript, set by the conversation stage. */
  received?: TranscriptEntry;
  /** The language the bot answers in; a first guess until the bot detects or is told otherwise. */
  language: string;
  /** What the bot or a stage says back, in order. */
  readonly replies: Outbound[];
  /** Reply entries as stored in the transcript, set by the conversation stage. */
  stored: TranscriptEntry[];
  /** Outcome flags for callers and metrics. */
  duplicate: boolean;
  rateLimited: boolean;
}

/** Creates the lazily bound turn logger used by {@link Turn.log}. */
export function lazyTurnLog(root: Logger, initial: Readonly<Record<string, string>>): Pick<Turn, 'log' | 'bindLog'> {
  let bindings: Record<string, string> = { ...initial };
  let child: Logger | undefined;
  return {
    get log() {
      child ??= root.child(bindings);
      return child;
    },
    bindLog(fields) {
      bindings = { ...bindings, ...fields };
      child = undefined;
    },
  };
}

/** The outcome of a turn as callers (adapters, the web HTTP API) see it. */
export interface TurnResult {
  readonly turnId: string;
  readonly conversationId: string | undefined;
  readonly duplicate: boolean;
  readonly rateLimited: boolean;
  readonly failed: boolean;
  /** The bot's replies to this message, as stored (typing indicators are not included). */
  readonly replies: readonly TranscriptEntry[];
}
