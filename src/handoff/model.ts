/**
 * The hand-off domain: agents, cases and their SLA, as the desk, the agent API and the console see
 * them. Plain data, JSON-serialisable; the rules live in routing.ts, sla.ts and hours.ts (pure) and
 * the state in desk.ts.
 */
import type { CaseRecord } from '../store/store.js';

export type AgentRole = 'agent' | 'supervisor' | 'admin';
export type Tier = 1 | 2 | 3;
export const AGENT_ROLES: readonly AgentRole[] = ['agent', 'supervisor', 'admin'];

/** Skills the shipped flows route to; operators may use others (any snake_case word). */
export const KNOWN_SKILLS: readonly string[] = ['general', 'payments', 'technical', 'kyc', 'vip', 'responsible_gambling'];

export interface Agent {
  readonly id: string;
  readonly login: string;
  name: string;
  role: AgentRole;
  skills: string[];
  languages: string[];
  tier: Tier;
  /** Conversations held at once (default `handoff.capacity`, 5). */
  capacity: number;
  online: boolean;
}

export type CasePriority = 'urgent' | 'high' | 'normal' | 'low';
export type CaseStatus = 'queued' | 'assigned' | 'closed';
export type SlaState = 'ok' | 'warning' | 'breached';
export type BreachKind = 'first_reply' | 'resolution';

export interface Breach {
  readonly kind: BreachKind;
  /** ISO 8601. */
  readonly at: string;
}

export interface CaseSla {
  /** ISO 8601: the first agent reply is due by then. */
  firstReplyDueAt: string;
  /** ISO 8601: unresolved by then, the case goes up a tier. */
  escalateAt: string;
  state: SlaState;
  breaches: Breach[];
}

/** One hand-off of a conversation to people, from the moment it is queued until it is closed. */
export interface Case {
  readonly id: string;
  readonly conversationId: string;
  readonly playerId: string;
  casinoPlayerId: string | null;
  readonly channel: string;
  language: string;
  readonly reason: string;
  skill: string;
  tier: Tier;
  priority: CasePriority;
  /** 1 (bronze) … 5 (diamond); null for a player who is not a VIP or not verified. */
  vipTier: number | null;
  /** The agent id of the player's personal manager, when the back office names one we know. */
  personalManager: string | null;
  status: CaseStatus;
  agentId: string | null;
  /** ISO 8601 timestamps. */
  readonly queuedAt: string;
  assignedAt: string | null;
  firstReplyAt: string | null;
  closedAt: string | null;
  resolved: boolean | null;
  sla: CaseSla;
  /** The player's 1–5 rating after the case closed (CSAT), and when it was given. */
  csat: number | null;
  csatAt: string | null;
}

/**
 * What the desk keeps about a case beyond the contract: where to reach the player, what routing
 * learned, and what the player was last told. Persisted with the case, never sent to clients.
 */
export interface CaseInternals {
  readonly conversationKey: string;
  /** The player's name for the console (back-office name once verified, else the platform's). */
  playerName: string | null;
  lastMessage: { text: string; at: string } | null;
  /** Agents automatic routing skips for this case (they transferred it away or missed its SLA). */
  excluded: string[];
  /** After a first-reply breach, any skill may take the case (language and tier still count). */
  anySkill: boolean;
  /** The responsible-gambling flag of the conversation (shown on the player card). */
  responsibleGambling: boolean;
  /** What the player was last told about their place in the queue. */
  notice: { position: number; at: string } | null;
  /** Set once the rating question was sent after closing. */
  csatAskedAt: string | null;
  /** Set when the player wrote something else instead of rating: from then on (also after a restart) only a rating button counts. */
  csatPassedAt?: string | null;
  /** Sequence number of the case (monotonic), the FIFO tie-breaker for equal queue times. */
  readonly seq: number;
}

export type StoredCase = Case & { readonly internals: CaseInternals };

/** The case as the agent API shows it. */
export interface CaseView extends Case {
  /** 1-based place among the queued cases of the same skill and language; null once assigned. */
  readonly position: number | null;
  readonly playerName: string | null;
  readonly lastMessage: { text: string; at: string } | null;
  readonly slaState: SlaState;
  readonly firstReplyDueAt: string;
  readonly escalateAt: string;
}

export interface Note {
  readonly id: string;
  readonly caseId: string;
  readonly agentId: string;
  readonly agentName: string;
  readonly text: string;
  /** ISO 8601. */
  readonly at: string;
}

/** The back office's VIP tiers as numbers: a higher tier is served first. */
export const VIP_TIER_RANK: Readonly<Record<string, number>> = {
  bronze: 1,
  silver: 2,
  gold: 3,
  platinum: 4,
  diamond: 5,
};

export function vipRank(tier: string | null | undefined): number | null {
  return tier ? (VIP_TIER_RANK[tier] ?? null) : null;
}

export function isTier(value: unknown): value is Tier {
  return value === 1 || value === 2 || value === 3;
}

export function isSupervisor(agent: Pick<Agent, 'role'>): boolean {
  return agent.role === 'supervisor' || agent.role === 'admin';
}

/** The public part of a stored case. */
export function publicCase(stored: StoredCase): Case {
  const { internals: _internals, ...rest } = stored;
  return { ...rest, sla: { ...rest.sla, breaches: [...rest.sla.breaches] } };
}

/**
 * The case a store record holds (the desk keeps the whole case as JSON, with status and agent as
 * columns); undefined when the JSON is not a case this version reads.
 */
export function caseFrom(record: CaseRecord): StoredCase | undefined {
  const data = record.data as Partial<StoredCase>;
  if (typeof data.id !== 'string' || typeof data.conversationId !== 'string' || !data.sla || !data.internals) return undefined;
  return { ...(data as StoredCase), status: record.status, agentId: record.agentId };
}
