import type { Outbound } from '../core/message.js';
import type { ParsedEntity } from './answer.js';

/** What the dialogue needs from the NLU: one synchronous parse per message. */
export interface Understanding {
  readonly languages: readonly string[];
  parse(text: string, options: { remembered?: string; hint?: string }): Parsed;
}

export interface Parsed {
  readonly language: string;
  readonly languageConfidence: number;
  /** null when the message is out of scope (fallback). */
  readonly intent: string | null;
  readonly confidence: number;
  readonly ranking: readonly { readonly intent: string; readonly confidence: number }[];
  /** True when the top two intents are too close to pick one without asking. */
  readonly ambiguous: boolean;
  readonly entities: readonly ParsedEntity[];
}

/** What the dialogue needs from the casino's back office (src/crm adapts its client to this). */
export interface BackOfficePort {
  /** Action names a `call` step may use. */
  readonly actions: ReadonlySet<string>;
  runAction(name: string, args: Record<string, string>, player: { casinoPlayerId: string | null }): Promise<Record<string, unknown>>;
  /** Flow-friendly profile (vip_tier, kyc_status, name, currency, self_excluded…) or null. */
  profile(casinoPlayerId: string): Promise<Record<string, unknown> | null>;
  findByEmail(email: string): Promise<{ casinoPlayerId: string } | null>;
  sendCode(casinoPlayerId: string): Promise<{ sentTo: string }>;
  checkCode(casinoPlayerId: string, code: string): Promise<'valid' | 'invalid' | 'expired' | 'too_many_attempts'>;
}

/** A hand-off as the dialogue asks for it; the desk (src/handoff) decides the rest. */
export interface HandoffRequest {
  readonly conversationId: string;
  readonly channel: string;
  readonly conversationKey: string;
  readonly playerId: string;
  /** The casino account, only when the player is verified. */
  readonly casinoPlayerId: string | null;
  readonly playerName: string | null;
  readonly language: string;
  readonly reason: string;
  readonly skill: string;
  readonly priority: 'urgent' | 'high' | 'normal' | 'low';
  /** The player spoke about gambling harm in this conversation. */
  readonly responsibleGambling: boolean;
}

/** What the dialogue needs from the hand-off desk: open a case, and what to tell the player now. */
export interface HandoffPort {
  open(request: HandoffRequest): Promise<{ readonly status: 'queued' | 'assigned'; readonly notices: readonly Outbound[] }>;
}
