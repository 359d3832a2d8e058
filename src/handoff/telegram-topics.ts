import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { withRetries, type RetryOptions } from '../core/delivery.js';
import { CroupierError, isCroupierError } from '../core/errors.js';
import { textMessage } from '../core/message.js';
import { split } from '../core/render.js';
import type { CaseRecord, CaseTopicRecord, Store, TranscriptEntry } from '../store/store.js';
import type { AgentDesk } from '../server/channel.js';
import type { DeskEvent } from './desk.js';
import { VIP_TIER_RANK, caseFrom, isSupervisor, type Agent, type CasePriority, type StoredCase } from './model.js';
import { entryText } from './views.js';

/**
 * The Bot API calls the bridge makes, bound to the agents' forum group by the Telegram adapter
 * (adapters/telegram/agent-topics.ts), which sends them through its API root and throws its
 * platform errors (src/core/delivery.ts `platformError`) on failure.
 */
export interface ForumApi {
  /** `createForumTopic`; resolves with the topic's message_thread_id. */
  createTopic(name: string, iconColor: TopicColor): Promise<number>;
  /** `sendMessage` into the topic; `text` fits one message. */
  post(threadId: number, text: string): Promise<void>;
  /** `closeForumTopic`. */
  closeTopic(threadId: number): Promise<void>;
  /** `reopenForumTopic`. */
  reopenTopic(threadId: number): Promise<void>;
}

export interface TopicUser {
  readonly id: string;
  readonly name: string;
  readonly isBot: boolean;
}

/** A message or service message in a topic of the agents' group, as the adapter read it. */
export type TopicUpdate =
  | {
      readonly kind: 'message';
      /** The message id, unique in the group (for dedupe of redelivered updates). */
      readonly messageId: number;
      readonly threadId: number;
      readonly from: TopicUser;
      readonly text?: string;
      /** A photo, document, sticker… (only text reaches the player from a topic). */
      readonly media: boolean;
    }
  | {
      readonly kind: 'topic_closed' | 'topic_reopened';
      readonly messageId: number;
      readonly threadId: number;
      readonly from: TopicUser;
    };

export interface TopicsBridgeOptions {
  /** The agents' forum supergroup. */
  readonly chatId: string;
  readonly desk: AgentDesk;
  readonly store: Store;
  readonly api: ForumApi;
  readonly clock: Clock;
  readonly log: Logger;
  /** Transcript entries posted when a topic opens (the newest ones). */
  readonly transcriptLines: number;
  /** Longest text of one message (Telegram: 4096). */
  readonly textMax: number;
  /** The team's time zone for SLA deadlines in topic headers (default UTC). */
  readonly timeZone?: string;
  /** Retries of failed Bot API calls: the shared policy of src/core/delivery.ts (tests pass a sleep that does not wait). */
  readonly retries?: RetryOptions;
}

/** Topic icon colours Telegram allows (createForumTopic `icon_color`). */
export const TOPIC_COLORS = { blue: 0x6fb9f0, yellow: 0xffd67e, violet: 0xcb86db, green: 0x8eee98, pink: 0xff93b2, red: 0xfb6f5f } as const;
export type TopicColor = (typeof TOPIC_COLORS)[keyof typeof TOPIC_COLORS];
/** createForumTopic: "Topic name, 1-128 characters". */
export const TOPIC_NAME_MAX = 128;

const PRIORITY_MARK: Record<CasePriority, string> = { urgent: '🔴', high: '🟠', normal: '🟢', low: '⚪' };
const AUTHOR_MARK: Record<TranscriptEntry['author'], string> = { player: '👤', bot: '🤖', agent: '🎧', system: 'ℹ️' };
/** Receipts of agents' topic messages (the store's dedupe of redelivered updates), apart from players' messages. */
const RECEIPTS = 'telegram-agents';
const COMMAND = /^\/(close|resolved|unresolved|claim)(?:@[A-Za-z0-9_]+)?\s*$/i;
const RELAY_BATCH = 100;

/** The facts of a case the bridge shows, from a live desk case or a stored one. */
interface CaseFacts {
  readonly id: string;
  readonly conversationId: string;
  readonly channel: string;
  readonly language: string;
  readonly reason: string;
  readonly skill: string;
  readonly tier: number;
  readonly priority: CasePriority;
  readonly vipTier: number | null;
  readonly status: StoredCase['status'];
  readonly agentId: string | null;
  readonly resolved: boolean | null;
  readonly csat: number | null;
  readonly playerName: string | null;
  readonly firstReplyDueAt: string;
  readonly escalateAt: string;
}

/** A topic as the bridge keeps it in memory (the store has the same, durably). */
interface Topic {
  readonly caseId: string;
  readonly threadId: number;
  relayedSeq: number;
  readonly createdAt: Date;
  closedAt: Date | null;
}

/**
 * Agents in Telegram: every hand-off case gets a topic in the agents' forum supergroup, named
 * after its priority, player, channel and reason, opened with a header (language, channel,
 * reason, VIP tier, SLA deadlines) and the transcript so far, bot part included. What happens in
 * the case afterwards — the player's messages, console agents' replies, assignment, SLA breaches,
 * closing — is posted there, in order. An agent (an agent whose Telegram user id is on file) who
 * writes in the topic claims the case if it is still queued and their reply goes to the player on
 * the player's own channel through the desk; `/resolved`, `/unresolved`, `/close` or closing the
 * topic closes the case, and a case closed in the console closes its topic.
 *
 * The case ↔ topic mapping and the last transcript entry posted live in the store
 * (`case_topics`), so a restart neither repeats nor skips anything: on start, open cases without a
 * topic get one, gaps are posted, and topics of cases closed meanwhile are closed.
 *
 * Everything one case causes in its topic runs in order on a per-case chain; Bot API failures are
 * retried by the shared policy (429 with retry_after, 5xx, network) and then logged, never thrown
 * at the desk. Message texts are never logged.
 */
export class TelegramTopicsBridge {
  readonly #topics = new Map<string, Topic>();
  readonly #chains = new Map<string, Promise<void>>();
  /** Replies sent from a topic and not seen back yet (case id → texts), so they are not echoed. */
  readonly #outgoing = new Map<string, string[]>();
  /** Transcript entries that came from a topic (case id → seqs): not posted back. */
  readonly #fromTopic = new Map<string, Set<number>>();
  /** Who closed a case from its topic (case id → name), for the closing line. */
  readonly #closedBy = new Map<string, string>();
  /** Cases whose rating was posted. */
  readonly #rated = new Set<string>();
  /** Strangers already told they cannot answer here (case id + user id). */
  readonly #warned = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #call: <T>(what: string, task: () => Promise<T>) => Promise<T>;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(private readonly options: TopicsBridgeOptions) {
    this.#call = async <T>(what: string, task: () => Promise<T>): Promise<T> => {
      let result: T | undefined;
      const attempt = withRetries(
        async () => {
          result = await task();
        },
        {
          ...options.retries,
          onRetry: (error, attemptNo, delayMs) =>
            options.log.warn(
              { code: error.code, attempt: attemptNo, delayMs, call: what },
              'telegram topics: Bot API call failed; retrying',
            ),
        },
      );
      await attempt(NO_TARGET, NO_MESSAGE);
      return result as T;
    };
  }

  /** Listens to the desk and, in the background, catches up with cases opened or closed while the bridge was away. */
  start(): void {
    if (this.#unsubscribe || this.#closed) return;
    this.#unsubscribe = this.options.desk.subscribe((event) => this.#onEvent(event));
    this.#track(this.#catchUp(), 'telegram topics: catching up with open cases failed');
  }

  /** Resolves when everything started so far has been posted (or has failed and been logged). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.idle();
  }

  // ─── agents in the group ─────────────────────────────────────────────────────────────────────

  /**
   * A message or service message in a topic. Resolves once its effect on the case is stored (the
   * moment to acknowledge the update); notes for the agent are posted in the background. A
   * redelivered update is ignored.
   */
  async handle(update: TopicUpdate): Promise<void> {
    const { store, clock, chatId, log } = this.options;
    const topic = await this.#topicByThread(update.threadId);
    if (!topic) {
      log.debug({ threadId: update.threadId }, 'telegram topics: a topic that is not a case; ignored');
      return;
    }
    if (update.from.isBot) return;
    if (!(await store.receipts.claim(RECEIPTS, `${chatId}:${update.messageId}`, clock.now()))) {
      log.debug({ caseId: topic.caseId }, 'telegram topics: update redelivered; already handled');
      return;
    }
    const record = await store.handoff.agentByTelegramUser(update.from.id);
    if (!record) {
      this.#stranger(topic, update);
      return;
    }
    // An agent added from the command line since the start is not in the desk's memory yet.
    const known = (agents: Agent[]) => agents.find((candidate) => candidate.id === record.id);
    const agent = known(this.options.desk.agents()) ?? known(await this.options.desk.refreshAgents());
    if (!agent) {
      this.#stranger(topic, update);
      return;
    }
    if (update.kind !== 'message') {
      if (update.kind === 'topic_closed') await this.#closeFromTopic(topic, agent, true, true);
      else if (topic.closedAt) this.#note(topic, 'This case is closed. When the player writes again, a new case opens in a new topic.');
      return;
    }
    const command = update.text === undefined ? null : COMMAND.exec(update.text.trim());
    if (command) {
      const name = (command[1] ?? '').toLowerCase();
      if (name === 'claim') await this.#claim(topic, agent);
      else await this.#closeFromTopic(topic, agent, name !== 'unresolved', false);
      return;
    }
    const text = update.text?.trim() ?? '';
    if (text === '') {
      if (update.media) this.#note(topic, `${agent.name}: only text reaches the player from here; send files from the console.`);
      return;
    }
    await this.#reply(topic, agent, text);
  }

  async #claim(topic: Topic, agent: Agent): Promise<boolean> {
    const stored = await this.options.store.handoff.getCase(topic.caseId);
    if (!stored || stored.status === 'closed') {
      this.#note(topic, 'This case is closed; the player did not get this message.');
      return false;
    }
    // A supervisor may answer a case another agent holds; everyone else takes it first.
    if (stored.agentId === agent.id || (stored.status === 'assigned' && isSupervisor(agent))) return true;
    try {
      await this.options.desk.claim(agent, topic.caseId);
      return true;
    } catch (error) {
      this.#refuse(topic, agent, error, 'the case stays as it was');
      return false;
    }
  }

  async #reply(topic: Topic, agent: Agent, text: string): Promise<void> {
    if (!(await this.#claim(topic, agent))) return;
    const outgoing = this.#outgoing.get(topic.caseId) ?? [];
    outgoing.push(text);
    this.#outgoing.set(topic.caseId, outgoing);
    try {
      await this.options.desk.reply(agent, topic.caseId, text);
    } catch (error) {
      this.#refuse(topic, agent, error, 'the player did not get this message');
    } finally {
      const left = this.#outgoing.get(topic.caseId);
      const index = left?.indexOf(text) ?? -1;
      if (left && index >= 0) left.splice(index, 1);
      if (left?.length === 0) this.#outgoing.delete(topic.caseId);
    }
  }

  /** `/resolved`, `/unresolved`, `/close`, or the topic closed by an agent (`topicClosed`). */
  async #closeFromTopic(topic: Topic, agent: Agent, resolved: boolean, topicClosed: boolean): Promise<void> {
    const stored = await this.options.store.handoff.getCase(topic.caseId);
    if (!stored || stored.status === 'closed') {
      if (!topicClosed) this.#note(topic, 'This case is closed already.');
      return;
    }
    if (topicClosed) {
      topic.closedAt = this.options.clock.now();
      await this.#save(topic);
    }
    const claimed = stored.status === 'queued' ? await this.#claim(topic, agent) : true;
    this.#closedBy.set(topic.caseId, agent.name);
    try {
      if (!claimed) throw new CroupierError('CROUPIER_INPUT_CONFLICT', 'the case could not be taken');
      await this.options.desk.close(agent, topic.caseId, resolved);
    } catch (error) {
      this.#closedBy.delete(topic.caseId);
      if (claimed) this.#refuse(topic, agent, error, 'the case stays open');
      if (topicClosed) {
        topic.closedAt = null;
        await this.#save(topic);
        this.#enqueue(topic.caseId, () => this.#call('reopenForumTopic', () => this.options.api.reopenTopic(topic.threadId)));
      }
    }
  }

  #stranger(topic: Topic, update: TopicUpdate): void {
    const key = `${topic.caseId}:${update.from.id}`;
    if (update.kind === 'topic_closed' && !topic.closedAt) {
      this.#enqueue(topic.caseId, () => this.#call('reopenForumTopic', () => this.options.api.reopenTopic(topic.threadId)));
    }
    this.options.log.info({ caseId: topic.caseId }, 'telegram topics: a message from someone who is not a known agent; ignored');
    if (this.#warned.has(key)) return;
    remember(this.#warned, key);
    this.#note(
      topic,
      `Sorry, ${update.from.name || 'there'}: only agents can answer players here, and your Telegram account is not linked to an agent. ` +
        `Ask an administrator to add it (croupier agents add … --telegram-user-id ${update.from.id}).`,
    );
  }

  #refuse(topic: Topic, agent: Agent, error: unknown, consequence: string): void {
    if (isCroupierError(error) && error.status < 500) {
      this.#note(topic, `⚠️ ${agent.name}: ${error.message}; ${consequence}.`);
      return;
    }
    this.options.log.error(
      { err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_PIPELINE_STAGE_FAILED', caseId: topic.caseId },
      'telegram topics: an agent action failed',
    );
    this.#note(topic, `⚠️ ${agent.name}: something went wrong; ${consequence}. Try again, or use the console.`);
  }

  #note(topic: Topic, text: string): void {
    this.#enqueue(topic.caseId, () => this.#post(topic, text));
  }

  // ─── the desk's side ─────────────────────────────────────────────────────────────────────────

  #onEvent(event: DeskEvent): void {
    if (this.#closed || event.type === 'agent.updated' || event.type === 'tick') return;
    const c = event.case;
    if (event.type === 'case.message') {
      const outgoing = this.#outgoing.get(c.id);
      const index = event.entry.author === 'agent' ? (outgoing?.indexOf(event.entry.text ?? '') ?? -1) : -1;
      if (outgoing && index >= 0) {
        outgoing.splice(index, 1);
        const seqs = this.#fromTopic.get(c.id) ?? new Set<number>();
        seqs.add(event.entry.seq);
        this.#fromTopic.set(c.id, seqs);
      }
      if (c.status !== 'closed') this.#enqueue(c.id, () => this.#relay(factsOf(c)));
      return;
    }
    if (event.type === 'sla.breach') {
      const line =
        event.kind === 'first_reply'
          ? '⏰ SLA breached: no first reply in time. The case is open to every skill now.'
          : `⏰ SLA breached: unresolved in time. Escalated to tier ${c.tier}.`;
      this.#enqueue(c.id, async () => {
        const topic = await this.#ensureTopic(factsOf(c));
        if (topic && !topic.closedAt) await this.#post(topic, line);
      });
      return;
    }
    if (c.status === 'closed') {
      if (c.csat !== null) this.#enqueue(c.id, () => this.#rating(factsOf(c)));
      else this.#enqueue(c.id, () => this.#closeTopic(factsOf(c)));
      return;
    }
    const changed = c.agentId !== event.previousAgentId;
    this.#enqueue(c.id, async () => {
      const facts = factsOf(c);
      const topic = await this.#ensureTopic(facts);
      if (!topic || !changed || topic.closedAt) return;
      await this.#relay(facts);
      await this.#post(
        topic,
        c.agentId ? `✅ Taken by ${this.#agentName(c.agentId)}.` : `↩️ Back in the queue (${c.skill}, tier ${c.tier}).`,
      );
    });
  }

  /** The case's topic, created (with its header and the transcript so far) when it has none yet. */
  async #ensureTopic(facts: CaseFacts): Promise<Topic | undefined> {
    const known = this.#topics.get(facts.id);
    if (known) return known;
    const stored = await this.options.store.handoff.caseTopic(facts.id);
    if (stored && stored.chatId === this.options.chatId) {
      const topic = topicOf(stored);
      if (!topic.closedAt) this.#topics.set(facts.id, topic);
      return topic;
    }
    if (facts.status === 'closed' || this.#closed) return undefined;
    const { api, clock, log } = this.options;
    let threadId: number;
    try {
      threadId = await this.#call('createForumTopic', () => api.createTopic(topicName(facts), topicColor(facts)));
    } catch (error) {
      // The next event of the case (or the next start) tries again.
      log.error(
        { err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_PLATFORM_API', caseId: facts.id },
        'telegram topics: could not create the topic of a case (is the bot an admin with "Manage topics" in a forum group?)',
      );
      return undefined;
    }
    const topic: Topic = { caseId: facts.id, threadId, relayedSeq: 0, createdAt: clock.now(), closedAt: null };
    this.#topics.set(facts.id, topic);
    await this.#save(topic);
    log.info({ caseId: facts.id, threadId }, 'telegram topics: topic opened for a case');
    await this.#post(topic, this.#header(facts));
    await this.#relay(facts, this.options.transcriptLines, '📜 The conversation so far:');
    return topic;
  }

  /**
   * Posts the transcript entries the topic has not seen yet (the newest `limit`), oldest first,
   * as few messages as the length limit allows; agents' replies sent from the topic are skipped.
   */
  async #relay(facts: CaseFacts, limit = RELAY_BATCH, title?: string): Promise<void> {
    const topic = await this.#ensureTopic(facts);
    if (!topic || topic.closedAt) return;
    const entries = (await this.options.store.transcript.list(facts.conversationId, { limit: RELAY_BATCH })).filter(
      (entry) => entry.seq > topic.relayedSeq,
    );
    const last = entries.at(-1);
    if (!last) return;
    const skip = this.#fromTopic.get(facts.id);
    // A reply sent from the topic may be stored before the desk tells about it: not posted back either.
    const outgoing = this.#outgoing.get(facts.id) ?? [];
    const lines = entries
      .filter((entry) => !skip?.has(entry.seq) && !(entry.author === 'agent' && outgoing.includes(entry.text ?? '')))
      .slice(limit > 0 ? -limit : entries.length)
      .map((entry) => this.#line(entry, facts));
    if (lines.length > 0) await this.#post(topic, [...(title ? [title] : []), ...lines].join('\n'));
    topic.relayedSeq = last.seq;
    for (const entry of entries) skip?.delete(entry.seq);
    await this.#save(topic);
  }

  async #closeTopic(facts: CaseFacts): Promise<void> {
    const topic = await this.#ensureTopic(facts);
    if (!topic) return;
    const by = this.#closedBy.get(facts.id);
    this.#closedBy.delete(facts.id);
    const alreadyClosed = topic.closedAt !== null;
    // Closed before (a repeated event, a restart): nothing more to say.
    if (alreadyClosed && by === undefined) return this.#forget(facts.id);
    if (!alreadyClosed) await this.#relay(facts);
    const outcome = facts.resolved === false ? 'not resolved' : 'resolved';
    await this.#post(
      topic,
      `🔒 Case closed as ${outcome}${by ? ` by ${by}` : ''}. The bot has the conversation back and asks the player for a rating.`,
    );
    if (!alreadyClosed) {
      try {
        await this.#call('closeForumTopic', () => this.options.api.closeTopic(topic.threadId));
      } catch (error) {
        this.options.log.warn(
          { err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_PLATFORM_API', caseId: facts.id },
          'telegram topics: could not close the topic of a closed case',
        );
      }
      topic.closedAt = this.options.clock.now();
    }
    await this.#save(topic);
    this.#forget(facts.id);
  }

  async #rating(facts: CaseFacts): Promise<void> {
    if (facts.csat === null || this.#rated.has(facts.id)) return;
    const stored = await this.options.store.handoff.caseTopic(facts.id);
    if (!stored || stored.chatId !== this.options.chatId) return;
    remember(this.#rated, facts.id);
    await this.#post(topicOf(stored), `⭐ The player rated the help ${facts.csat}/5.`);
  }

  /** Open cases without a topic get one (with what they missed); topics of cases closed meanwhile are closed. */
  async #catchUp(): Promise<void> {
    const { store, chatId } = this.options;
    for (const record of await store.handoff.listCases({ status: ['queued', 'assigned'] })) {
      const facts = factsFrom(record);
      if (facts) this.#enqueue(facts.id, () => this.#relay(facts));
    }
    for (const stored of await store.handoff.listCaseTopics(chatId, { open: true })) {
      const record = await store.handoff.getCase(stored.caseId);
      const facts = record ? factsFrom(record) : undefined;
      if (facts?.status === 'closed') this.#enqueue(facts.id, () => this.#closeTopic(facts));
    }
  }

  // ─── texts ───────────────────────────────────────────────────────────────────────────────────

  #header(facts: CaseFacts): string {
    const vip = facts.vipTier === null ? 'no' : `tier ${facts.vipTier}${vipName(facts.vipTier)}`;
    return [
      `${PRIORITY_MARK[facts.priority]} New case: ${humanise(facts.reason)} (${facts.priority} priority)`,
      `Player: ${facts.playerName ?? 'unknown'} · channel ${facts.channel} · language ${facts.language}`,
      `Skill: ${facts.skill} · tier ${facts.tier} · VIP: ${vip}`,
      `First reply due: ${this.#time(facts.firstReplyDueAt)} · escalation: ${this.#time(facts.escalateAt)}`,
      `Case ${facts.id}`,
      '',
      'Write here to answer the player (your first message takes the case). /resolved or /unresolved — or close the topic — to close it.',
    ].join('\n');
  }

  #line(entry: TranscriptEntry, facts: CaseFacts): string {
    let text = entryText(entry).replace(/\s+/g, ' ').trim();
    if (entry.text !== undefined && entry.text.trim() !== '' && entry.attachments && entry.attachments.length > 0) {
      text += ` [${entry.attachments.map((attachment) => attachment.kind).join(', ')}]`;
    }
    if (entry.buttons && entry.buttons.length > 0) text += ` [${entry.buttons.map((button) => button.label).join(' | ')}]`;
    if (entry.author === 'agent') {
      const name = facts.agentId ? this.#agentName(facts.agentId) : 'Agent';
      return `${AUTHOR_MARK.agent} ${name}: ${text}`;
    }
    return `${AUTHOR_MARK[entry.author]} ${text}`;
  }

  #time(iso: string): string {
    try {
      return new Intl.DateTimeFormat('en-GB', {
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: this.options.timeZone ?? 'UTC',
        timeZoneName: 'short',
      }).format(new Date(iso));
    } catch {
      return iso;
    }
  }

  #agentName(agentId: string): string {
    return this.options.desk.agents().find((agent) => agent.id === agentId)?.name ?? 'an agent';
  }

  // ─── plumbing ────────────────────────────────────────────────────────────────────────────────

  async #topicByThread(threadId: number): Promise<Topic | undefined> {
    for (const topic of this.#topics.values()) if (topic.threadId === threadId) return topic;
    const stored = await this.options.store.handoff.caseTopicByThread(this.options.chatId, threadId);
    return stored ? topicOf(stored) : undefined;
  }

  /** Posts a text, split to the length limit; a failure (after retries) is logged, and the caller goes on. */
  async #post(topic: Topic, text: string): Promise<void> {
    for (const piece of split(text, this.options.textMax)) {
      try {
        await this.#call('sendMessage', () => this.options.api.post(topic.threadId, piece));
      } catch (error) {
        this.options.log.error(
          { err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_PLATFORM_API', caseId: topic.caseId },
          'telegram topics: could not post in the topic of a case',
        );
        return;
      }
    }
  }

  async #save(topic: Topic): Promise<void> {
    const record: CaseTopicRecord = { ...topic, chatId: this.options.chatId };
    await this.options.store.handoff.saveCaseTopic(record);
  }

  #forget(caseId: string): void {
    this.#topics.delete(caseId);
    this.#fromTopic.delete(caseId);
    this.#outgoing.delete(caseId);
  }

  /** Runs `task` after everything queued for the same case (so a topic shows things in order). */
  #enqueue(caseId: string, task: () => Promise<unknown>): void {
    const previous = this.#chains.get(caseId) ?? Promise.resolve();
    const next = previous.then(task).then(
      () => undefined,
      (error: unknown) =>
        this.options.log.error(
          { err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_STORE_FAILED', caseId },
          'telegram topics: a topic update failed',
        ),
    );
    this.#chains.set(caseId, next);
    this.#track(next, 'telegram topics: a topic update failed');
    void next.finally(() => {
      if (this.#chains.get(caseId) === next) this.#chains.delete(caseId);
    });
  }

  #track(task: Promise<unknown>, what: string): void {
    const tracked = task.catch((error: unknown) =>
      this.options.log.error({ err: error, code: isCroupierError(error) ? error.code : 'CROUPIER_STORE_FAILED' }, what),
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }
}

/** The topic name: priority (and VIP) marker, player, channel and reason, within Telegram's 128 characters. */
export function topicName(facts: Pick<CaseFacts, 'priority' | 'vipTier' | 'playerName' | 'channel' | 'reason'>): string {
  const name =
    `${PRIORITY_MARK[facts.priority]}${facts.vipTier !== null ? '⭐' : ''} ${facts.playerName ?? 'Player'} · ${facts.channel} · ${humanise(facts.reason)}`
      .replace(/\s+/g, ' ')
      .trim();
  if (name.length <= TOPIC_NAME_MAX) return name;
  // Cut on code points, so no emoji is split in half.
  const chars = [...name];
  while (chars.join('').length > TOPIC_NAME_MAX - 1) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

function topicColor(facts: Pick<CaseFacts, 'priority' | 'vipTier'>): TopicColor {
  if (facts.priority === 'urgent') return TOPIC_COLORS.red;
  if (facts.vipTier !== null) return TOPIC_COLORS.violet;
  if (facts.priority === 'high') return TOPIC_COLORS.yellow;
  if (facts.priority === 'low') return TOPIC_COLORS.green;
  return TOPIC_COLORS.blue;
}

function humanise(reason: string): string {
  return reason.replace(/[_-]+/g, ' ').trim() || 'hand-off';
}

function vipName(tier: number): string {
  const name = Object.entries(VIP_TIER_RANK).find(([, rank]) => rank === tier)?.[0];
  return name ? ` (${name})` : '';
}

function factsOf(c: StoredCase): CaseFacts {
  return {
    id: c.id,
    conversationId: c.conversationId,
    channel: c.channel,
    language: c.language,
    reason: c.reason,
    skill: c.skill,
    tier: c.tier,
    priority: c.priority,
    vipTier: c.vipTier,
    status: c.status,
    agentId: c.agentId,
    resolved: c.resolved,
    csat: c.csat,
    playerName: c.internals.playerName,
    firstReplyDueAt: c.sla.firstReplyDueAt,
    escalateAt: c.sla.escalateAt,
  };
}

/** The facts of a stored case; undefined when it is not one this version reads. */
function factsFrom(record: CaseRecord): CaseFacts | undefined {
  const c = caseFrom(record);
  if (!c || typeof c.channel !== 'string' || typeof c.reason !== 'string') return undefined;
  return factsOf(c);
}

/** Adds to a set that forgets its oldest members past 1,000 (memory stays bounded on a long run). */
function remember(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size > 1_000) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
}

function topicOf(record: CaseTopicRecord): Topic {
  return {
    caseId: record.caseId,
    threadId: record.threadId,
    relayedSeq: record.relayedSeq,
    createdAt: record.createdAt,
    closedAt: record.closedAt,
  };
}

const NO_TARGET = { conversationId: '', channel: 'telegram', conversationKey: '' };
const NO_MESSAGE = textMessage('', undefined, 'system');
