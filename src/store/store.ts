import type { Attachment, Button, ChannelAccount, ChannelId, Inbound, OutboundAuthor } from '../core/message.js';

/**
 * Storage behind interfaces: the embedded SQLite store is the zero-setup default, and every other
 * implementation (PostgreSQL) passes the same contract suite in test/store/.
 * All methods are async so a networked database fits the same shape.
 */
export interface Store {
  readonly kind: string;
  readonly receipts: ReceiptRepository;
  readonly conversations: ConversationRepository;
  readonly transcript: TranscriptRepository;
  readonly players: PlayerRepository;
  readonly events: EventLog;
  /** Agents, their sessions, hand-off cases and internal notes (src/handoff). */
  readonly handoff: HandoffRepository;
  /**
   * Resolves once every write made before the call is durable. Writes are visible to this process
   * as soon as their promise resolves, but an implementation may commit them in groups; whoever
   * acknowledges to the outside world (a webhook's 200, the widget's ack) awaits this first.
   */
  durable(): Promise<void>;
  /** Resolves when the database answers; used by `GET /readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where a conversation is: with the bot, waiting for a human, with a human, or finished. */
export type ConversationStatus = 'bot' | 'queued' | 'agent' | 'closed';

export interface Conversation {
  readonly id: string;
  readonly channel: ChannelId;
  readonly conversationKey: string;
  readonly playerId: string;
  language: string | null;
  status: ConversationStatus;
  /** The dialogue engine's state (flow stack, slots…). JSON-serialisable, owned by the bot. */
  state: Record<string, unknown>;
  readonly createdAt: Date;
  updatedAt: Date;
}

export interface Player {
  readonly id: string;
  /** The casino account this person is verified as, once linked (token, one-time code). */
  casinoPlayerId: string | null;
  displayName: string | null;
  language: string | null;
  verifiedAt: Date | null;
  readonly createdAt: Date;
}

export type TranscriptAuthor = 'player' | OutboundAuthor;

export interface TranscriptEntryInput {
  readonly conversationId: string;
  readonly direction: 'in' | 'out';
  readonly author: TranscriptAuthor;
  readonly text?: string;
  readonly payload?: string;
  readonly buttons?: readonly Button[];
  readonly attachments?: readonly Attachment[];
  /** The platform id of an inbound message, or of an outbound one once the platform accepted it. */
  readonly platformMessageId?: string;
  readonly at: Date;
  /** Delivery state of an outbound message. */
  readonly delivery?: 'pending' | 'sent' | 'failed';
  readonly raw?: unknown;
}

export interface TranscriptEntry extends TranscriptEntryInput {
  readonly id: string;
  /** Position in the conversation, strictly increasing. */
  readonly seq: number;
}

/** Event types the KPI work reads; the log is append-only. */
export type EventType =
  | 'message.received'
  | 'message.sent'
  | 'message.failed'
  /** A platform's delivery status of a sent message (sent, delivered, read, failed); never answered. */
  | 'message.status'
  | 'message.rate_limited'
  | 'intent.detected'
  | 'flow.started'
  | 'flow.ended'
  | 'handoff.requested'
  | 'handoff.assigned'
  | 'handoff.transferred'
  | 'handoff.closed'
  | 'sla.breached'
  | 'csat.rated'
  | 'conversation.resolved'
  | 'turn.failed';

export interface EventInput {
  readonly type: EventType;
  readonly at: Date;
  readonly conversationId?: string;
  readonly playerId?: string;
  readonly data?: Record<string, unknown>;
}

export interface StoredEvent extends EventInput {
  readonly id: number;
}

export interface ReceiptRepository {
  /**
   * Records that a platform message was received. Resolves `true` the first time and `false` for a
   * redelivery of the same (channel, platformMessageId): the dedupe stage's source of truth.
   *
   * With `pending`, the message is also kept in the inbox until {@link settle}: a webhook that is
   * acknowledged once the claim is durable can then crash before the bot answered, and the message
   * is replayed from {@link unsettled} on the next start instead of being lost.
   */
  claim(channel: ChannelId, platformMessageId: string, at: Date, pending?: Inbound): Promise<boolean>;
  /** The turn of an inbox message finished (answered, or failed and apologised for). */
  settle(channel: ChannelId, platformMessageId: string): Promise<void>;
  /** Inbox messages whose turn never finished, oldest first. */
  unsettled(): Promise<Inbound[]>;
}

export interface ConversationRepository {
  /** The conversation for this channel key, created with `init` when there is none. */
  findOrCreate(
    key: { channel: ChannelId; conversationKey: string },
    init: { playerId: string; language: string | null; at: Date },
  ): Promise<Conversation>;
  get(id: string): Promise<Conversation | undefined>;
  findByKey(channel: ChannelId, conversationKey: string): Promise<Conversation | undefined>;
  save(conversation: Conversation): Promise<void>;
}

export interface TranscriptRepository {
  append(entry: TranscriptEntryInput): Promise<TranscriptEntry>;
  /** Oldest first. `limit` keeps the newest `limit` entries. */
  list(conversationId: string, options?: { limit?: number }): Promise<TranscriptEntry[]>;
  /** Records how delivery of an outbound entry went, with the platform's id once it accepted it. */
  markDelivery(
    entry: Pick<TranscriptEntry, 'conversationId' | 'seq'>,
    delivery: 'sent' | 'failed',
    platformMessageId?: string,
  ): Promise<void>;
}

export interface PlayerRepository {
  /** The player who owns this channel account, created on first contact. */
  findOrCreateByAccount(account: ChannelAccount, profile: { displayName?: string; at: Date }): Promise<Player>;
  get(id: string): Promise<Player | undefined>;
  /** Links one more channel account to a player (e.g. the same person on Telegram and the web). */
  linkAccount(playerId: string, account: ChannelAccount): Promise<void>;
  /** The player already verified as this casino account, if any. */
  findByCasinoId(casinoPlayerId: string): Promise<Player | undefined>;
  accounts(playerId: string): Promise<ChannelAccount[]>;
  save(player: Player): Promise<void>;
}

export interface EventLog {
  append(event: EventInput): Promise<void>;
  list(filter?: { conversationId?: string; type?: EventType; limit?: number }): Promise<StoredEvent[]>;
}

/** An agent as stored: the profile plus the scrypt hash of the password (never the password). */
export interface AgentRecord {
  readonly id: string;
  readonly login: string;
  readonly name: string;
  readonly role: 'agent' | 'supervisor' | 'admin';
  readonly skills: readonly string[];
  readonly languages: readonly string[];
  readonly tier: 1 | 2 | 3;
  readonly capacity: number;
  readonly online: boolean;
  readonly passwordHash: string;
  readonly createdAt: Date;
  /** The agent's Telegram user id, for answering in the agents' forum group (src/handoff/telegram-topics.ts). */
  readonly telegramUserId?: string;
}

/** A console session: the store keeps a hash of the bearer token, never the token. */
export interface AgentSessionRecord {
  readonly tokenHash: string;
  readonly agentId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/**
 * A hand-off case as stored: the columns the store queries by, plus the whole case as JSON
 * (`data`, owned by src/handoff), so the case model can grow without a migration.
 */
export interface CaseRecord {
  readonly id: string;
  readonly conversationId: string;
  readonly status: 'queued' | 'assigned' | 'closed';
  readonly agentId: string | null;
  readonly queuedAt: Date;
  readonly closedAt: Date | null;
  readonly data: Record<string, unknown>;
}

/**
 * Where a case is discussed on an agents' chat platform: a Telegram forum topic (`chatId`, `threadId`).
 * `relayedSeq` is the last transcript entry posted there, so a restart neither repeats nor skips any.
 */
export interface CaseTopicRecord {
  readonly caseId: string;
  readonly chatId: string;
  readonly threadId: number;
  readonly relayedSeq: number;
  readonly createdAt: Date;
  /** When the topic was closed (from either side); null while it is open. */
  readonly closedAt: Date | null;
}

export interface NoteRecord {
  readonly id: string;
  readonly caseId: string;
  readonly agentId: string;
  readonly text: string;
  readonly at: Date;
}

export interface HandoffRepository {
  /** Adds an agent; a login that exists already fails with `CROUPIER_INPUT_CONFLICT`. */
  createAgent(agent: AgentRecord): Promise<void>;
  /** Replaces an agent's profile, online flag and password hash (login and id never change). */
  saveAgent(agent: AgentRecord): Promise<void>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  agentByLogin(login: string): Promise<AgentRecord | undefined>;
  /** Every agent, by login. */
  listAgents(): Promise<AgentRecord[]>;

  createSession(session: AgentSessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<AgentSessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Removes sessions expired at `now`; resolves with how many. */
  deleteExpiredSessions(now: Date): Promise<number>;
  /** Ends every session of an agent (new password); resolves with how many. */
  deleteAgentSessions(agentId: string): Promise<number>;

  /** Inserts or replaces a case. */
  saveCase(record: CaseRecord): Promise<void>;
  getCase(id: string): Promise<CaseRecord | undefined>;
  /**
   * Cases oldest first (by queue time). `status` filters, `agentId` keeps one agent's, `closedSince`
   * keeps cases closed at or after that time, `limit` keeps the newest `limit`.
   */
  listCases(filter?: { status?: CaseRecord['status'][]; agentId?: string; closedSince?: Date; limit?: number }): Promise<CaseRecord[]>;

  addNote(note: NoteRecord): Promise<void>;
  /** A case's notes, oldest first. */
  listNotes(caseId: string): Promise<NoteRecord[]>;

  /** The agent linked to this Telegram user id, if any. */
  agentByTelegramUser(telegramUserId: string): Promise<AgentRecord | undefined>;
  /** Inserts or replaces a case's topic; a (chatId, threadId) taken by another case fails with `CROUPIER_INPUT_CONFLICT`. */
  saveCaseTopic(record: CaseTopicRecord): Promise<void>;
  caseTopic(caseId: string): Promise<CaseTopicRecord | undefined>;
  caseTopicByThread(chatId: string, threadId: number): Promise<CaseTopicRecord | undefined>;
  /** Topics of one chat, oldest first; `open: true` keeps those not closed yet. */
  listCaseTopics(chatId: string, filter?: { open?: boolean }): Promise<CaseTopicRecord[]>;
}
