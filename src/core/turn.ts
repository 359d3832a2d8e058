import type { Logger } from 'pino';
import type { Conversation, Player, TranscriptEntry } from '../store/store.js';
import type { Inbound, Outbound } from './message.js';

/**
 * One turn: one inbound message travelling through the pipeline. Stages fill it in as it goes
 * (the conversation stage sets `conversation` and `player`, the bot adds `replies`).
 */
export interface Turn {
  readonly id: string;
  readonly inbound: Inbound;
  /** A child logger bound to this turn: channel, turn id, and later the conversation id. */
  log: Logger;
  conversation?: Conversation;
  player?: Player;
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
