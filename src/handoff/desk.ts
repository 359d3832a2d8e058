import type { Logger } from 'pino';
import type { Clock, IdSource } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import { textMessage, type Button, type Inbound, type Outbound } from '../core/message.js';
import type { HandoffRouter } from '../core/stages/handoff.js';
import type { Turn } from '../core/turn.js';
import type { BackOffice } from '../crm/back-office.js';
import type { HandoffPort, HandoffRequest } from '../dialogue/ports.js';
import type { AgentRecord, CaseRecord, Conversation, Store, TranscriptEntry } from '../store/store.js';
import { estimateWaitMinutes, medianHandleMs } from './estimate.js';
import { isOpen, nextOpening } from './hours.js';
import {
  caseFrom,
  isSupervisor,
  isTier,
  vipRank,
  type Agent,
  type BreachKind,
  type CasePriority,
  type CaseView,
  type Note,
  type StoredCase,
  type Tier,
} from './model.js';
import { decoyHash, newSessionToken, tokenHash, verifyPassword } from './passwords.js';
import { canSee, compareCases, eligible, loadsOf, planAssignments, queuePositions } from './routing.js';
import type { HandoffSettings } from './settings.js';
import { dueBreaches, slaState, startSla } from './sla.js';
import { caseView, entryText, playerCard, transcriptView, type PlayerCard, type TranscriptView } from './views.js';

/** Where a conversation lives, to talk to its player. */
export interface ConversationRef {
  readonly conversationId: string;
  readonly channel: string;
  readonly conversationKey: string;
}

/**
 * How the desk reaches players, provided by the runtime. Both run in the conversation's turn order
 * (src/core/pipeline.ts `exclusive`), so nothing overtakes a bot reply or races a turn's save.
 */
export interface PlayerLink {
  /** Stores the message in the transcript and sends it on the player's channel; resolves once stored. */
  send(target: ConversationRef, outbound: Outbound): Promise<TranscriptEntry>;
  /** Changes the stored conversation (its status). */
  update(target: ConversationRef, change: (conversation: Conversation) => void): Promise<void>;
}

/** The text catalogue, as the desk uses it. */
export interface DeskTexts {
  /** The text of `key` in `language` (default language as fallback), `{placeholders}` filled from `data`. */
  say(language: string, key: string, data?: Record<string, unknown>): string;
  /** Canned replies for agents (`canned.<id>.title` / `canned.<id>.text`). */
  canned(language: string): { id: string; title: string; text: string }[];
}

/** What the desk tells the agent API (and through it the console sockets). */
export type DeskEvent =
  | { readonly type: 'case.updated'; readonly case: StoredCase; readonly previousAgentId: string | null }
  | { readonly type: 'case.message'; readonly case: StoredCase; readonly entry: TranscriptEntry }
  | { readonly type: 'sla.breach'; readonly case: StoredCase; readonly kind: BreachKind }
  | { readonly type: 'agent.updated'; readonly agent: Agent }
  /** The clocks ran (sessions ended elsewhere, e.g. by `croupier agents password`, can be noticed now). */
  | { readonly type: 'tick'; readonly now: Date };

export interface DeskOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: Logger;
  readonly settings: HandoffSettings;
  readonly texts: DeskTexts;
  readonly link: PlayerLink;
  /** For VIP tiers, personal managers and the player card; without it cases carry no VIP data. */
  readonly backOffice?: BackOffice;
  /** For the breach webhook (tests pass a fake). */
  readonly fetch?: typeof globalThis.fetch;
}

export interface CaseDetails {
  readonly case: CaseView;
  readonly transcript: TranscriptView[];
  readonly player: PlayerCard | null;
  readonly notes: Note[];
}

export type CaseFilter = 'open' | 'queued' | 'assigned' | 'closed';

const RATING_BUTTONS: readonly Button[] = [1, 2, 3, 4, 5].map((n) => ({ label: String(n), payload: `csat:${n}` }));
/** A rating is taken for a day after the case closed; later, a "5" is just a message for the bot. */
const RATING_WINDOW_MS = 24 * 3_600_000;
const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000 };
const CLOSED_LIST_LIMIT = 200;
const TRANSCRIPT_LIMIT = 500;

/**
 * The hand-off desk: the one place that owns cases and agents while the server runs. It opens a
 * case when the bot hands off, queues and routes it (src/handoff/routing.ts), keeps the player told
 * where they stand, takes the player's messages to the agent, runs the SLA clocks on `tick(now)`,
 * and gives the conversation back to the bot with a rating question when the case closes.
 *
 * State is kept in memory and written through to the store on every change, so a restart picks up
 * every open case. Every operation checks and changes the in-memory state before its first await,
 * so two agents claiming the same case cannot both win.
 *
 * @example const desk = new HandoffDesk(options); await desk.start(); setInterval(() => void desk.tick(), 5000)
 */
export class HandoffDesk implements HandoffPort, HandoffRouter {
  readonly #agents = new Map<string, Agent>();
  /** Open cases (queued or assigned). */
  readonly #cases = new Map<string, StoredCase>();
  /** Conversation id → its open case id. */
  readonly #byConversation = new Map<string, string>();
  /**
   * Conversation id → the closed case whose rating question is waiting for an answer. Once the
   * player wrote something else (`csatPassedAt`), only a press of a rating button counts.
   */
  readonly #awaitingRating = new Map<string, StoredCase>();
  /** Recent handling times (assignment to close), for wait estimates. */
  readonly #handleTimes: number[] = [];
  readonly #idleSince = new Map<string, number>();
  readonly #positions = new Map<string, number>();
  readonly #listeners = new Set<(event: DeskEvent) => void>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #loginFailures = new Map<string, { count: number; since: number }>();
  #seq = 0;
  #started = false;
  /** A tick still running when the next one is due is not overlapped. */
  #ticking = false;
  /** Cases being opened inside their player's turn: that turn's reply says who took them. */
  readonly #opening = new Set<string>();

  constructor(private readonly options: DeskOptions) {}

  // ─── start-up ────────────────────────────────────────────────────────────────────────────────

  /** Loads agents and open cases from the store and routes what can be routed. */
  async start(): Promise<void> {
    const { store, clock } = this.options;
    for (const record of await store.handoff.listAgents()) this.#agents.set(record.id, agentFrom(record));
    const now = clock.now();
    for (const record of await store.handoff.listCases({ status: ['queued', 'assigned'] })) {
      const c = caseFrom(record);
      if (!c) continue;
      this.#cases.set(c.id, c);
      this.#byConversation.set(c.conversationId, c.id);
      this.#seq = Math.max(this.#seq, c.internals.seq);
    }
    const recent = await store.handoff.listCases({
      status: ['closed'],
      closedSince: new Date(now.getTime() - RATING_WINDOW_MS),
      limit: CLOSED_LIST_LIMIT,
    });
    const closed = recent.map(caseFrom).filter((c): c is StoredCase => c !== undefined);
    // Only the latest close of a conversation may still wait for its rating.
    closed.sort((a, b) => Date.parse(a.closedAt ?? a.queuedAt) - Date.parse(b.closedAt ?? b.queuedAt));
    for (const c of closed) {
      this.#seq = Math.max(this.#seq, c.internals.seq);
      if (c.assignedAt && c.closedAt) this.#handleTimes.push(Date.parse(c.closedAt) - Date.parse(c.assignedAt));
      const waiting = c.internals.csatAskedAt && c.csat === null;
      if (waiting && !this.#byConversation.has(c.conversationId)) this.#awaitingRating.set(c.conversationId, c);
      else this.#awaitingRating.delete(c.conversationId);
    }
    this.#started = true;
    this.#reposition();
    await this.#route(now);
  }

  /** Resolves when every message and webhook the desk started in the background has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  subscribe(listener: (event: DeskEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ─── the pipeline side ───────────────────────────────────────────────────────────────────────

  /**
   * Opens a case for a hand-off the bot asked for (inside the player's turn) and says what the
   * player is told now: the agent who took it, their place in the queue with an estimated wait, or
   * when the team is back.
   */
  async open(request: HandoffRequest): Promise<{ status: 'queued' | 'assigned'; notices: Outbound[] }> {
    this.#ensureStarted();
    const { clock, settings } = this.options;
    const existing = this.#openCaseOf(request.conversationId);
    if (existing) return { status: existing.status === 'assigned' ? 'assigned' : 'queued', notices: [] };
    const vip = await this.#vip(request.casinoPlayerId);
    const now = clock.now();
    // Outside business hours the clocks start when the team is back.
    const opening = nextOpening(settings.businessHours, now) ?? now;
    const priority: CasePriority = request.skill === 'responsible_gambling' ? 'urgent' : request.priority;
    const c: StoredCase = {
      id: this.options.ids(),
      conversationId: request.conversationId,
      playerId: request.playerId,
      casinoPlayerId: request.casinoPlayerId,
      channel: request.channel,
      language: request.language,
      reason: request.reason,
      skill: request.skill,
      tier: 1,
      priority,
      vipTier: vip.tier,
      personalManager: vip.managerAgentId,
      status: 'queued',
      agentId: null,
      queuedAt: now.toISOString(),
      assignedAt: null,
      firstReplyAt: null,
      closedAt: null,
      resolved: null,
      sla: startSla(opening.getTime() > now.getTime() ? opening : now, request.channel, settings.sla),
      csat: null,
      csatAt: null,
      internals: {
        conversationKey: request.conversationKey,
        playerName: vip.name ?? request.playerName,
        lastMessage: null,
        excluded: [],
        anySkill: false,
        responsibleGambling: request.responsibleGambling,
        notice: null,
        csatAskedAt: null,
        seq: ++this.#seq,
      },
    };
    if (this.#openCaseOf(request.conversationId)) return { status: 'queued', notices: [] };
    this.#cases.set(c.id, c);
    this.#byConversation.set(c.conversationId, c.id);
    this.#awaitingRating.delete(c.conversationId);
    this.#opening.add(c.id);
    try {
      await this.#save(c);
      this.#reposition();
      this.#emit({ type: 'case.updated', case: c, previousAgentId: null });
      await this.#route(now);
    } finally {
      this.#opening.delete(c.id);
    }

    const agent = c.agentId ? this.#agents.get(c.agentId) : undefined;
    if (c.status === 'assigned' && agent) {
      return { status: 'assigned', notices: [this.#notice(c, 'handoff.assigned', { agent: agent.name })] };
    }
    if (!isOpen(settings.businessHours, now)) {
      return {
        status: 'queued',
        notices: [this.#notice(c, 'handoff.after_hours', { opens_at: this.#formatOpening(opening, c.language) })],
      };
    }
    const position = this.#positions.get(c.id) ?? 1;
    c.internals.notice = { position, at: now.toISOString() };
    await this.#save(c);
    return { status: 'queued', notices: [this.#notice(c, 'handoff.queued', { position, minutes: this.#estimate(c, position) })] };
  }

  /**
   * The pipeline's hand-off stage: a message in a conversation with an open case goes to the case
   * (the agent sees it live), and right after a close a 1–5 answer is taken as the rating.
   */
  async route(turn: Turn): Promise<boolean> {
    const conversation = turn.conversation;
    if (!conversation || !this.#started) return false;
    const open = this.#openCaseOf(conversation.id);
    if (open) {
      conversation.status = open.status === 'assigned' ? 'agent' : 'queued';
      const entry = turn.received;
      if (entry) {
        open.internals.lastMessage = { text: entryText(entry).slice(0, 500), at: entry.at.toISOString() };
        await this.#save(open);
        this.#emit({ type: 'case.message', case: open, entry });
      }
      return true;
    }
    // The conversation is the bot's (whatever an older version or a lost case left behind).
    if (conversation.status === 'queued' || conversation.status === 'agent') conversation.status = 'bot';
    const rated = this.#awaitingRating.get(conversation.id);
    if (!rated) return false;
    const now = this.options.clock.now();
    if (now.getTime() - Date.parse(rated.closedAt ?? rated.queuedAt) > RATING_WINDOW_MS) {
      this.#awaitingRating.delete(conversation.id);
      return false;
    }
    // Right after the question any 1–5 answer counts; once passed over, only a rating button
    // (a player who wrote "thanks!" first and then pressed 5), never a typed "2" meant for the bot.
    const pressed = turn.inbound.payload?.startsWith('csat:') === true;
    const rating = rated.internals.csatPassedAt && !pressed ? undefined : parseRating(turn.inbound);
    if (rating === undefined) {
      if (!rated.internals.csatPassedAt) {
        // Persisted, so a restart does not bring the question back either.
        rated.internals.csatPassedAt = now.toISOString();
        await this.#save(rated);
      }
      return false;
    }
    this.#awaitingRating.delete(conversation.id);
    rated.csat = rating;
    rated.csatAt = now.toISOString();
    await this.#save(rated);
    await this.options.store.events.append({
      type: 'csat.rated',
      at: now,
      conversationId: rated.conversationId,
      playerId: rated.playerId,
      data: { caseId: rated.id, rating, agentId: rated.agentId, resolved: rated.resolved },
    });
    this.#emit({ type: 'case.updated', case: rated, previousAgentId: rated.agentId });
    turn.replies.push(textMessage(this.options.texts.say(turn.language, 'csat.thanks'), undefined, 'bot'));
    return true;
  }

  // ─── agents and sessions ─────────────────────────────────────────────────────────────────────

  /** Checks a login and password and opens a session. Wrong credentials: 401; too many failures: 429. */
  async login(login: string, password: string): Promise<{ token: string; agent: Agent }> {
    this.#ensureStarted();
    const { store, clock, settings } = this.options;
    const now = clock.now().getTime();
    const failures = this.#loginFailures.get(login);
    if (failures && now - failures.since < LOGIN_FAILURES.windowMs && failures.count >= LOGIN_FAILURES.max) {
      throw new CroupierError('CROUPIER_INPUT_RATE_LIMITED', 'too many failed logins; try again in a few minutes');
    }
    const record = await store.handoff.agentByLogin(login);
    // An unknown login costs the same hash as a known one, so timing does not tell them apart.
    const ok = await verifyPassword(password, record?.passwordHash ?? (await decoyHash()));
    if (!record || !ok) {
      const counted = failures && now - failures.since < LOGIN_FAILURES.windowMs ? failures : { count: 0, since: now };
      this.#loginFailures.set(login, { count: counted.count + 1, since: counted.since });
      this.options.log.info({ code: 'CROUPIER_INPUT_UNAUTHORIZED' }, 'agent login refused');
      throw new CroupierError('CROUPIER_INPUT_UNAUTHORIZED', 'wrong login or password');
    }
    this.#loginFailures.delete(login);
    const agent = this.#remember(record);
    const { token, hash } = newSessionToken();
    await store.handoff.createSession({
      tokenHash: hash,
      agentId: agent.id,
      createdAt: new Date(now),
      expiresAt: new Date(now + settings.sessionMs),
    });
    this.options.log.info({ agentId: agent.id }, 'agent logged in');
    return { token, agent };
  }

  /** The agent a bearer token belongs to, while its session lasts. */
  async authenticate(token: string): Promise<Agent | undefined> {
    return (await this.session(token))?.agent;
  }

  /** The agent a bearer token belongs to and when the session ends, while it lasts. */
  async session(token: string): Promise<{ agent: Agent; expiresAt: Date } | undefined> {
    if (!token || !this.#started) return undefined;
    const session = await this.options.store.handoff.getSession(tokenHash(token));
    if (!session || session.expiresAt.getTime() <= this.options.clock.now().getTime()) return undefined;
    const known = this.#agents.get(session.agentId);
    if (known) return { agent: known, expiresAt: session.expiresAt };
    const record = await this.options.store.handoff.getAgent(session.agentId);
    return record ? { agent: this.#remember(record), expiresAt: session.expiresAt } : undefined;
  }

  /** Ends the session and takes the agent offline (no new cases are routed to them). */
  async logout(token: string, agent: Agent): Promise<void> {
    await this.options.store.handoff.deleteSession(tokenHash(token));
    if (agent.online) await this.setOnline(agent, false);
  }

  async setOnline(agent: Agent, online: boolean): Promise<Agent> {
    const known = this.#agents.get(agent.id) ?? agent;
    if (known.online === online) return known;
    known.online = online;
    await this.#saveAgent(known);
    this.#emit({ type: 'agent.updated', agent: known });
    this.options.log.info({ agentId: known.id, online }, online ? 'agent is online' : 'agent is offline');
    if (online) await this.#route(this.options.clock.now());
    return known;
  }

  /** The desk's clock (clients count SLA deadlines down from its time, not their own). */
  now(): Date {
    return this.options.clock.now();
  }

  /** The agents the desk knows: loaded at start, plus every one who has logged in since. */
  agents(): Agent[] {
    return [...this.#agents.values()].sort((a, b) => a.login.localeCompare(b.login));
  }

  /** Every agent in the store, including ones added with `croupier agents add` since the start. */
  async refreshAgents(): Promise<Agent[]> {
    for (const record of await this.options.store.handoff.listAgents()) this.#remember(record);
    return this.agents();
  }

  /** Number of open cases an agent holds. */
  loadOf(agentId: string): number {
    let load = 0;
    for (const c of this.#cases.values()) if (c.status === 'assigned' && c.agentId === agentId) load++;
    return load;
  }

  // ─── the agent side ──────────────────────────────────────────────────────────────────────────

  /** Whether this agent may see this case (supervisors see all; agents theirs and the queue routed to them). */
  visibleTo(viewer: Agent, c: StoredCase): boolean {
    return canSee(viewer, c) || (c.status === 'closed' && c.agentId === viewer.id);
  }

  view(c: StoredCase): CaseView {
    return caseView(c, this.#positions.get(c.id) ?? null, slaState(c, this.options.clock.now(), this.options.settings.sla));
  }

  async listCases(viewer: Agent, filter: CaseFilter = 'open'): Promise<CaseView[]> {
    if (filter === 'closed') {
      const records = await this.options.store.handoff.listCases({
        status: ['closed'],
        ...(isSupervisor(viewer) ? {} : { agentId: viewer.id }),
        limit: CLOSED_LIST_LIMIT,
      });
      return records
        .map(caseFrom)
        .filter((c): c is StoredCase => c !== undefined)
        .reverse()
        .map((c) => this.view(c));
    }
    const wanted = (c: StoredCase) => filter === 'open' || c.status === filter;
    const open = [...this.#cases.values()].filter((c) => wanted(c) && canSee(viewer, c));
    const queued = open.filter((c) => c.status === 'queued').sort(compareCases);
    const assigned = open.filter((c) => c.status === 'assigned').sort(compareCases);
    return [...queued, ...assigned].map((c) => this.view(c));
  }

  async getCase(viewer: Agent, id: string): Promise<CaseDetails> {
    const c = await this.#visibleCase(viewer, id);
    const { store } = this.options;
    const [entries, notes, player] = await Promise.all([
      store.transcript.list(c.conversationId, { limit: TRANSCRIPT_LIMIT }),
      store.handoff.listNotes(c.id),
      store.players.get(c.playerId),
    ]);
    const casinoPlayerId = player?.casinoPlayerId && player.verifiedAt ? player.casinoPlayerId : c.casinoPlayerId;
    let card: PlayerCard | null = null;
    if (casinoPlayerId && this.options.backOffice) {
      try {
        card = await playerCard(this.options.backOffice, casinoPlayerId, c.internals.responsibleGambling, this.options.clock.now());
      } catch (error) {
        this.options.log.warn(
          { err: error, code: error instanceof CroupierError ? error.code : 'CROUPIER_CRM_UNAVAILABLE', caseId: c.id },
          'player card unavailable',
        );
      }
    }
    return {
      case: this.view(c),
      transcript: entries.map(transcriptView),
      player: card,
      notes: notes.map((note) => this.#noteView(note)),
    };
  }

  /** Takes a queued case. 409 when it is taken, the agent is full, or not eligible (supervisors may take any). */
  async claim(viewer: Agent, id: string): Promise<CaseView> {
    const c = await this.#openCase(id);
    if (c.agentId === viewer.id) return this.view(c);
    if (c.status === 'assigned') throw new CroupierError('CROUPIER_HANDOFF_TAKEN', 'another agent has this case');
    const agent = this.#agents.get(viewer.id) ?? viewer;
    if (!isSupervisor(agent) && !(eligible(agent, c) || c.personalManager === agent.id)) {
      throw new CroupierError('CROUPIER_HANDOFF_NOT_ELIGIBLE', 'this case needs a skill, language or tier you do not have');
    }
    if (this.loadOf(agent.id) >= agent.capacity) {
      throw new CroupierError('CROUPIER_HANDOFF_AGENT_FULL', `you already have ${agent.capacity} open conversations`);
    }
    await this.#assign(c, agent, this.options.clock.now(), 'claim');
    return this.view(c);
  }

  /** An agent's reply, delivered on the player's own channel and stored in the transcript. */
  async reply(viewer: Agent, id: string, text: string): Promise<TranscriptView> {
    const c = await this.#openCase(id);
    this.#mustHandle(viewer, c, 'reply to');
    const now = this.options.clock.now();
    const first = c.firstReplyAt === null;
    if (first) c.firstReplyAt = now.toISOString();
    await this.#save(c);
    if (first) this.#emit({ type: 'case.updated', case: c, previousAgentId: c.agentId });
    const entry = await this.options.link.send(this.#target(c), textMessage(text, undefined, 'agent'));
    c.internals.lastMessage = { text: text.slice(0, 500), at: entry.at.toISOString() };
    this.#emit({ type: 'case.message', case: c, entry });
    return transcriptView(entry);
  }

  async addNote(viewer: Agent, id: string, text: string): Promise<Note> {
    const c = await this.#visibleCase(viewer, id);
    const record = { id: this.options.ids(), caseId: c.id, agentId: viewer.id, text, at: this.options.clock.now() };
    await this.options.store.handoff.addNote(record);
    return this.#noteView(record);
  }

  /**
   * Moves a case to another skill or tier (back to the queue, routed again, never straight back to
   * whoever transferred it) or to a named agent (who must have a free slot).
   */
  async transfer(viewer: Agent, id: string, to: { skill?: string; tier?: number; agentId?: string }): Promise<CaseView> {
    // An agent added from the command line since the start (before the case is looked at: no await after that).
    if (to.agentId !== undefined && !this.#agents.has(to.agentId)) await this.refreshAgents();
    const c = await this.#openCase(id);
    this.#mustHandle(viewer, c, 'transfer');
    if (to.tier !== undefined && !isTier(to.tier)) throw new CroupierError('CROUPIER_INPUT_INVALID', 'tier must be 1, 2 or 3');
    const target = to.agentId !== undefined ? this.#agents.get(to.agentId) : undefined;
    if (to.agentId !== undefined && !target) throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `no agent with id ${to.agentId}`);
    if (target && target.id !== c.agentId && this.loadOf(target.id) >= target.capacity) {
      throw new CroupierError('CROUPIER_HANDOFF_AGENT_FULL', `${target.name} already has ${target.capacity} open conversations`);
    }
    const now = this.options.clock.now();
    const previous = c.agentId;
    if (to.skill !== undefined) {
      c.skill = to.skill;
      c.internals.anySkill = false;
    }
    if (to.tier !== undefined) c.tier = to.tier;
    // Every check and change above ran without an await: nothing could slip in between.
    if (target) {
      if (target.id !== previous) await this.#assign(c, target, now, 'transfer');
      else await this.#save(c);
    } else {
      if (previous) c.internals.excluded = [...new Set([...c.internals.excluded, previous])];
      await this.#requeue(c, now);
    }
    await this.options.store.events.append({
      type: 'handoff.transferred',
      at: now,
      conversationId: c.conversationId,
      data: { caseId: c.id, from: previous, by: viewer.id, skill: c.skill, tier: c.tier, to: target?.id ?? null },
    });
    if (!target) await this.#route(now);
    return this.view(c);
  }

  /** Closes a case: the bot takes the conversation back and asks the player for a 1–5 rating. */
  async close(viewer: Agent, id: string, resolved: boolean): Promise<CaseView> {
    const c = await this.#openCase(id);
    this.#mustHandle(viewer, c, 'close');
    const now = this.options.clock.now();
    const previous = c.agentId;
    c.status = 'closed';
    c.closedAt = now.toISOString();
    c.resolved = resolved;
    this.#cases.delete(c.id);
    this.#byConversation.delete(c.conversationId);
    if (c.assignedAt) this.#handleTimes.push(now.getTime() - Date.parse(c.assignedAt));
    if (this.#handleTimes.length > 100) this.#handleTimes.splice(0, this.#handleTimes.length - 100);
    await this.#save(c);
    const { store } = this.options;
    await store.events.append({
      type: 'handoff.closed',
      at: now,
      conversationId: c.conversationId,
      playerId: c.playerId,
      data: { caseId: c.id, agentId: previous, by: viewer.id, resolved },
    });
    if (resolved)
      await store.events.append({ type: 'conversation.resolved', at: now, conversationId: c.conversationId, data: { by: 'agent' } });
    this.#reposition();
    this.#emit({ type: 'case.updated', case: c, previousAgentId: previous });
    const target = this.#target(c);
    await this.options.link.update(target, (conversation) => {
      conversation.status = 'bot';
    });
    const question = await this.options.link.send(
      target,
      textMessage(this.options.texts.say(c.language, 'csat.question'), RATING_BUTTONS, 'bot'),
    );
    this.#emit({ type: 'case.message', case: c, entry: question });
    // Only messages after the question answer it: one sent while the case was closing is the bot's.
    if (!this.#byConversation.has(c.conversationId)) {
      c.internals.csatAskedAt = question.at.toISOString();
      this.#awaitingRating.set(c.conversationId, c);
      await this.#save(c);
    }
    // A slot is free.
    await this.#route(now);
    return this.view(c);
  }

  canned(language: string): { id: string; title: string; text: string }[] {
    return this.options.texts.canned(language);
  }

  // ─── the clock ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs the clocks: records SLA breaches (alert + re-route), updates SLA states, tells waiting
   * players about a better place in the queue (not more often than `queueUpdateMs`), forgets expired
   * sessions, and routes again. The runtime calls it every few seconds; tests call it with a
   * ManualClock's time.
   */
  async tick(now: Date = this.options.clock.now()): Promise<void> {
    if (!this.#started || this.#ticking) return;
    this.#ticking = true;
    try {
      await this.#tick(now);
    } finally {
      this.#ticking = false;
    }
  }

  async #tick(now: Date): Promise<void> {
    const { settings } = this.options;
    for (const c of [...this.#cases.values()]) {
      for (const kind of dueBreaches(c, now)) await this.#breach(c, kind, now);
      const state = slaState(c, now, settings.sla);
      if (state !== c.sla.state) {
        c.sla.state = state;
        await this.#save(c);
        this.#emit({ type: 'case.updated', case: c, previousAgentId: c.agentId });
      }
    }
    await this.#route(now);
    if (isOpen(settings.businessHours, now)) {
      for (const c of this.#cases.values()) {
        const position = this.#positions.get(c.id);
        const notice = c.internals.notice;
        if (c.status !== 'queued' || position === undefined) continue;
        if (notice && (position >= notice.position || now.getTime() - Date.parse(notice.at) < settings.queueUpdateMs)) continue;
        if (!notice && now.getTime() - Date.parse(c.queuedAt) < settings.queueUpdateMs) continue;
        c.internals.notice = { position, at: now.toISOString() };
        await this.#save(c);
        // A player who has not heard a place yet (the case came in after hours) hears the whole of it.
        this.#tell(c, notice ? 'handoff.queue_update' : 'handoff.queued', { position, minutes: this.#estimate(c, position) }, 'system');
      }
    }
    for (const [conversationId, c] of this.#awaitingRating) {
      if (now.getTime() - Date.parse(c.closedAt ?? c.queuedAt) > RATING_WINDOW_MS) this.#awaitingRating.delete(conversationId);
    }
    await this.options.store.handoff.deleteExpiredSessions(now);
    this.#emit({ type: 'tick', now });
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  #ensureStarted(): void {
    if (!this.#started) throw new CroupierError('CROUPIER_PIPELINE_CLOSED', 'the hand-off desk has not started');
  }

  #openCaseOf(conversationId: string): StoredCase | undefined {
    const id = this.#byConversation.get(conversationId);
    return id ? this.#cases.get(id) : undefined;
  }

  /**
   * An open case, or 409 when it is closed, 404 when there is none. Callers check and change the
   * case after this await and before their next one, so the change is atomic.
   */
  async #openCase(id: string): Promise<StoredCase> {
    const open = this.#cases.get(id);
    if (open) return open;
    const record = await this.options.store.handoff.getCase(id);
    const again = this.#cases.get(id);
    if (again) return again;
    if (record?.status === 'closed') throw new CroupierError('CROUPIER_HANDOFF_CLOSED', 'this case is closed');
    throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `no case ${id}`);
  }

  async #visibleCase(viewer: Agent, id: string): Promise<StoredCase> {
    let c = this.#cases.get(id);
    if (!c) {
      const record = await this.options.store.handoff.getCase(id);
      c = record ? caseFrom(record) : undefined;
    }
    if (!c) throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `no case ${id}`);
    if (!this.visibleTo(viewer, c)) throw new CroupierError('CROUPIER_INPUT_FORBIDDEN', 'this case is not routed or assigned to you');
    return c;
  }

  /** Replying, transferring and closing belong to the agent who has the case, or a supervisor. */
  #mustHandle(viewer: Agent, c: StoredCase, what: string): void {
    if (isSupervisor(viewer) || c.agentId === viewer.id) return;
    if (c.status === 'queued' && canSee(viewer, c)) {
      throw new CroupierError('CROUPIER_INPUT_CONFLICT', `claim the case before you ${what} it`);
    }
    throw new CroupierError('CROUPIER_INPUT_FORBIDDEN', 'this case is not assigned to you');
  }

  #target(c: StoredCase): { conversationId: string; channel: string; conversationKey: string } {
    return { conversationId: c.conversationId, channel: c.channel, conversationKey: c.internals.conversationKey };
  }

  #remember(record: AgentRecord): Agent {
    const known = this.#agents.get(record.id);
    if (known) return known;
    const agent = agentFrom(record);
    this.#agents.set(agent.id, agent);
    return agent;
  }

  async #saveAgent(agent: Agent): Promise<void> {
    const record = await this.options.store.handoff.getAgent(agent.id);
    if (!record) return;
    await this.options.store.handoff.saveAgent({ ...record, ...agent, skills: [...agent.skills], languages: [...agent.languages] });
  }

  async #save(c: StoredCase): Promise<void> {
    await this.options.store.handoff.saveCase(caseRecord(c));
  }

  #emit(event: DeskEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.log.error({ err: error }, 'hand-off listener failed');
      }
    }
  }

  /** Work that must not hold up the caller (it may be inside a turn): tracked, failures logged. */
  #later(task: Promise<unknown>, what: string): void {
    const tracked = task.catch((error: unknown) =>
      this.options.log.error({ err: error, code: error instanceof CroupierError ? error.code : 'CROUPIER_PLATFORM_API' }, what),
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #notice(c: StoredCase, key: string, data: Record<string, unknown>): Outbound {
    return textMessage(this.options.texts.say(c.language, key, data), undefined, 'system');
  }

  /** Tells the player something outside their turn (in their turn order), and shows it to the agents. */
  #tell(c: StoredCase, key: string, data: Record<string, unknown>, author: 'system' | 'bot'): void {
    const outbound = textMessage(this.options.texts.say(c.language, key, data), undefined, author);
    this.#later(
      this.options.link.send(this.#target(c), outbound).then((entry) => this.#emit({ type: 'case.message', case: c, entry })),
      'could not tell the player about their case',
    );
  }

  /** Recomputes queue positions; cases whose position changed are announced. */
  #reposition(): void {
    const positions = queuePositions([...this.#cases.values()]);
    const changed: StoredCase[] = [];
    for (const c of this.#cases.values()) {
      const before = this.#positions.get(c.id);
      const after = positions.get(c.id);
      if (before !== after && c.status === 'queued' && before !== undefined) changed.push(c);
    }
    this.#positions.clear();
    for (const [id, position] of positions) this.#positions.set(id, position);
    for (const c of changed) this.#emit({ type: 'case.updated', case: c, previousAgentId: null });
  }

  /**
   * Routes the queue: every planned assignment is applied. A case being opened in its player's
   * turn is not announced separately: that turn's reply says who took it.
   */
  async #route(now: Date): Promise<void> {
    const cases = [...this.#cases.values()];
    const plan = planAssignments(cases, [...this.#agents.values()], loadsOf(cases), this.#idleSince);
    for (const step of plan) {
      const c = this.#cases.get(step.caseId);
      const agent = this.#agents.get(step.agentId);
      // The plan may be a step behind: a claim or a status change can come in between two assignments.
      if (c?.status !== 'queued' || !agent?.online || this.loadOf(agent.id) >= agent.capacity) continue;
      await this.#assign(c, agent, now, step.viaManager ? 'manager' : 'routing');
    }
  }

  async #assign(c: StoredCase, agent: Agent, now: Date, how: 'routing' | 'manager' | 'claim' | 'transfer'): Promise<void> {
    // A case being opened in its player's turn is announced by that turn's reply.
    const inTurn = this.#opening.has(c.id);
    const previous = c.agentId;
    c.status = 'assigned';
    c.agentId = agent.id;
    c.assignedAt = now.toISOString();
    c.internals.notice = null;
    this.#idleSince.set(agent.id, now.getTime());
    await this.#save(c);
    await this.options.store.events.append({
      type: 'handoff.assigned',
      at: now,
      conversationId: c.conversationId,
      data: { caseId: c.id, agentId: agent.id, how },
    });
    this.#reposition();
    this.#emit({ type: 'case.updated', case: c, previousAgentId: previous });
    if (inTurn) return;
    this.#later(
      this.options.link.update(this.#target(c), (conversation) => {
        conversation.status = 'agent';
      }),
      'could not mark the conversation as with an agent',
    );
    this.#tell(c, 'handoff.assigned', { agent: agent.name }, 'system');
  }

  async #requeue(c: StoredCase, now: Date): Promise<void> {
    const previous = c.agentId;
    c.status = 'queued';
    c.agentId = null;
    c.assignedAt = null;
    await this.#save(c);
    this.#reposition();
    this.#emit({ type: 'case.updated', case: c, previousAgentId: previous });
    this.#later(
      this.options.link.update(this.#target(c), (conversation) => {
        if (conversation.status === 'agent') conversation.status = 'queued';
      }),
      'could not mark the conversation as queued',
    );
    c.internals.notice ??= { position: this.#positions.get(c.id) ?? 1, at: now.toISOString() };
  }

  /**
   * A breach: alert (log line with a stable code, socket frame, optional webhook) and re-route. A
   * missed first reply opens the case to any skill and takes it from an agent who did not answer;
   * a missed resolution raises the tier (re-armed every period), and an agent below it hands over.
   */
  async #breach(c: StoredCase, kind: BreachKind, now: Date): Promise<void> {
    const { log, settings, store } = this.options;
    c.sla.breaches.push({ kind, at: now.toISOString() });
    c.sla.state = 'breached';
    const holder = c.agentId;
    if (kind === 'first_reply') {
      c.internals.anySkill = true;
      if (holder) c.internals.excluded = [...new Set([...c.internals.excluded, holder])];
    } else {
      c.tier = Math.min(3, c.tier + 1) as Tier;
      c.sla.escalateAt = new Date(Date.parse(c.sla.escalateAt) + settings.sla.escalateAfterMs).toISOString();
    }
    const facts = {
      caseId: c.id,
      kind,
      channel: c.channel,
      language: c.language,
      priority: c.priority,
      skill: c.skill,
      tier: c.tier,
      agentId: holder,
    };
    log.warn(
      { code: 'CROUPIER_HANDOFF_SLA_BREACHED', ...facts },
      `SLA breached: ${kind === 'first_reply' ? 'no first reply in time' : 'unresolved in time; escalated'}`,
    );
    await store.events.append({ type: 'sla.breached', at: now, conversationId: c.conversationId, data: facts });
    await this.#save(c);
    this.#emit({ type: 'sla.breach', case: c, kind });
    this.#webhook({ type: 'sla.breach', at: now.toISOString(), queuedAt: c.queuedAt, ...facts });
    const holderAgent = holder ? this.#agents.get(holder) : undefined;
    if (holder && (kind === 'first_reply' || (holderAgent && holderAgent.tier < c.tier))) await this.#requeue(c, now);
    else this.#emit({ type: 'case.updated', case: c, previousAgentId: holder });
  }

  #webhook(body: Record<string, unknown>): void {
    const url = this.options.settings.breachWebhookUrl;
    if (!url) return;
    const send = this.options.fetch ?? globalThis.fetch;
    this.#later(
      (async () => {
        try {
          const response = await send(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
          });
          if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
        } catch (error) {
          this.options.log.warn({ err: error, code: 'CROUPIER_HANDOFF_WEBHOOK_FAILED', caseId: body['caseId'] }, 'breach webhook failed');
        }
      })(),
      'breach webhook failed',
    );
  }

  /** Minutes a queued case is expected to wait, from recent handling times and the slots working on its queue. */
  #estimate(c: StoredCase, position: number): number {
    let slots = 0;
    for (const agent of this.#agents.values()) {
      if (agent.online && eligible(agent, c)) slots += agent.capacity;
    }
    return estimateWaitMinutes(position, medianHandleMs(this.#handleTimes, this.options.settings.estimatedHandleMs), slots);
  }

  #formatOpening(at: Date, language: string): string {
    const timeZone = this.options.settings.businessHours?.timezone ?? 'UTC';
    try {
      return new Intl.DateTimeFormat(language, {
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        hour: 'numeric',
        minute: '2-digit',
        timeZone,
        timeZoneName: 'short',
      }).format(at);
    } catch {
      return at.toISOString();
    }
  }

  async #vip(casinoPlayerId: string | null): Promise<{ tier: number | null; managerAgentId: string | null; name: string | null }> {
    const none = { tier: null, managerAgentId: null, name: null };
    const backOffice = this.options.backOffice;
    if (!casinoPlayerId || !backOffice) return none;
    try {
      const [vip, profile] = await Promise.all([backOffice.getVip(casinoPlayerId), backOffice.findPlayer({ casinoPlayerId })]);
      return { tier: vipRank(vip.tier), managerAgentId: this.#managerAgent(vip.manager?.agentId), name: profile?.name ?? null };
    } catch (error) {
      this.options.log.warn(
        { err: error, code: error instanceof CroupierError ? error.code : 'CROUPIER_CRM_UNAVAILABLE' },
        'VIP data unavailable; the case is routed without it',
      );
      return none;
    }
  }

  /** The agent behind a back-office manager id: `handoff.personalManagers`, else the agent whose login is that id. */
  #managerAgent(managerId: string | undefined): string | null {
    if (!managerId) return null;
    const login = this.options.settings.personalManagers[managerId] ?? managerId;
    for (const agent of this.#agents.values()) if (agent.login === login) return agent.id;
    return null;
  }

  #noteView(note: { id: string; caseId: string; agentId: string; text: string; at: Date }): Note {
    return {
      id: note.id,
      caseId: note.caseId,
      agentId: note.agentId,
      agentName: this.#agents.get(note.agentId)?.name ?? note.agentId,
      text: note.text,
      at: note.at.toISOString(),
    };
  }
}

/** A 1–5 answer to the rating question: a rating button, a digit ("4", "4/5"), or 1–5 stars. */
export function parseRating(inbound: Pick<Inbound, 'text' | 'payload'>): number | undefined {
  const payload = /^csat:([1-5])$/.exec(inbound.payload ?? '');
  if (payload) return Number(payload[1]);
  if (inbound.payload !== undefined) return undefined;
  // Emoji as phone keyboards send them: "⭐️" with a variation selector, "5️⃣" as a keycap.
  const text = (inbound.text ?? '')
    .replace(/\uFE0F/gu, '')
    .trim()
    .replace(/^([1-5])\u20E3$/u, '$1');
  const digit = /^([1-5])\s*(?:\/\s*5|[.!)]|⭐|★)?$/u.exec(text);
  if (digit) return Number(digit[1]);
  const stars = /^(?:⭐|★)(?:\s*(?:⭐|★)){0,4}$/u.exec(text);
  if (stars) return [...text].filter((char) => char === '⭐' || char === '★').length;
  return undefined;
}

function agentFrom(record: AgentRecord): Agent {
  return {
    id: record.id,
    login: record.login,
    name: record.name,
    role: record.role,
    skills: [...record.skills],
    languages: [...record.languages],
    tier: record.tier,
    capacity: record.capacity,
    online: record.online,
  };
}

function caseRecord(c: StoredCase): CaseRecord {
  return {
    id: c.id,
    conversationId: c.conversationId,
    status: c.status,
    agentId: c.agentId,
    queuedAt: new Date(c.queuedAt),
    closedAt: c.closedAt ? new Date(c.closedAt) : null,
    data: JSON.parse(JSON.stringify(c)) as Record<string, unknown>,
  };
}

/** A stored case read back; undefined when the data is not a case this version understands. */
