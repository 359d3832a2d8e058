import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Clock, IdSource } from './clock.js';
import { compose, StageError, type Stage } from './compose.js';
import { CroupierError } from './errors.js';
import { KeyedQueue } from './keyed-queue.js';
import { languageFromLocale } from './language.js';
import type { Inbound } from './message.js';
import { textMessage } from './message.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { botStage, type Bot } from './stages/bot.js';
import { conversationStage, type LanguageSettings } from './stages/conversation.js';
import { dedupeStage } from './stages/dedupe.js';
import { deliverStage, type Deliver } from './stages/deliver.js';
import { conversationSlot, orderingStage } from './stages/ordering.js';
import { rateLimitStage } from './stages/rate-limit.js';
import type { SystemTexts } from './stages/system-texts.js';
import { lazyTurnLog, type Turn, type TurnResult } from './turn.js';
import type { ChannelCapabilities } from './render.js';
import { numberedReplyStage } from './stages/numbered-reply.js';
import { handoffStage, type HandoffRouter } from './stages/handoff.js';

export interface PipelineOptions {
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Sends an Outbound through the channel it belongs to. */
  readonly deliver: Deliver;
  /** Read on every turn, so the content can be swapped while running. */
  readonly bot: () => Bot;
  readonly texts: SystemTexts;
  readonly languages: LanguageSettings;
  readonly rateLimit: RateLimitOptions;
  /** What each channel can show; lets a typed "2" answer a menu shown as numbered text. */
  readonly capabilities?: (channel: string) => ChannelCapabilities | undefined;
  /** Takes the player's messages while a person has the conversation (src/handoff); read on every turn. */
  readonly handoff?: () => HandoffRouter | undefined;
}

/** A message accepted from a webhook: durably claimed; its turn runs on in the background. */
export interface Accepted {
  /** The platform sent this message before; nothing more will happen. */
  readonly duplicate: boolean;
  /** The turn, for callers that want to wait for it (tests, Bot Framework's expectReplies). */
  readonly turn: Promise<TurnResult | undefined>;
}

/**
 * The one pipeline every channel feeds:
 * dedupe → ordering → deliver → conversation → numbered-reply → handoff → rate-limit → bot.
 *
 * A failing stage never takes the pipeline down: the player gets a short apology in their language,
 * the error is logged with its stage and code, and other conversations carry on.
 *
 * @example const result = await pipeline.handle(inbound)
 */
export class Pipeline {
  readonly stages: readonly Stage<Turn>[];
  readonly #run: (turn: Turn) => Promise<void>;
  readonly #queue = new KeyedQueue();
  readonly #inFlight = new Set<Promise<TurnResult>>();
  #closed = false;

  constructor(private readonly options: PipelineOptions) {
    const { store, clock } = options;
    this.stages = [
      dedupeStage(store.receipts),
      orderingStage(this.#queue),
      deliverStage(options.deliver, store.transcript, store.events),
      conversationStage(store, clock, options.languages),
      numberedReplyStage(store.transcript, options.capabilities ?? (() => undefined)),
      handoffStage(options.handoff ?? (() => undefined)),
      rateLimitStage(new RateLimiter(options.rateLimit, clock), options.texts, store.events),
      botStage(options.bot),
    ];
    this.#run = compose(this.stages);
  }

  /**
   * Handles one inbound message end to end and resolves, once its writes are durable, with what was
   * said back. Never rejects for a turn's own failure.
   */
  handle(inbound: Inbound): Promise<TurnResult> {
    if (this.#closed) return Promise.reject(new CroupierError('CROUPIER_PIPELINE_CLOSED', 'the pipeline is shutting down'));
    return this.#track(this.#handle(inbound, false));
  }

  /**
   * For webhooks: resolves as soon as the message is durably claimed (so the platform can be
   * acknowledged), and runs the turn in the background. A crash after the acknowledgement loses
   * nothing: the message stays in the store's inbox until its turn finishes, and {@link recover}
   * replays it on the next start. A redelivery resolves `{ duplicate: true }` and does nothing.
   */
  async accept(inbound: Inbound): Promise<Accepted> {
    if (this.#closed) throw new CroupierError('CROUPIER_PIPELINE_CLOSED', 'the pipeline is shutting down');
    const { store } = this.options;
    const first = await store.receipts.claim(inbound.channel, inbound.platformMessageId, inbound.receivedAt, inbound);
    if (!first) return { duplicate: true, turn: Promise.resolve(undefined) };
    await store.durable();
    return { duplicate: false, turn: this.#track(this.#settled(inbound)) };
  }

  /** Replays the inbox: messages acknowledged before a crash whose turn never finished. */
  async recover(): Promise<number> {
    const { count, finished } = await this.replay(Promise.resolve());
    await finished;
    return count;
  }

  /**
   * Puts the inbox's messages (acknowledged before a crash, never answered) at the head of their
   * conversations' queues and resolves once they are there, with how many and a promise for their
   * turns. The turns start when `ready` settles (the channels can send), but everything that
   * reaches the pipeline after this resolves — a new message, an agent's reply — comes after them,
   * so call it before the server takes requests: a player's replayed message is never overtaken
   * by the next one they sent.
   */
  async replay(ready: Promise<void>): Promise<{ count: number; finished: Promise<void> }> {
    const pending = await this.options.store.receipts.unsettled();
    const turns = pending.map((inbound) => {
      // Holds the conversation until the channels can send; the replayed turn queues right behind.
      void this.#queue.run(conversationSlot(inbound), () => ready.catch(() => undefined));
      return this.#track(this.#settled(inbound));
    });
    return { count: pending.length, finished: Promise.all(turns).then(() => undefined) };
  }

  async #settled(inbound: Inbound): Promise<TurnResult> {
    const result = await this.#handle(inbound, true);
    try {
      await this.options.store.receipts.settle(inbound.channel, inbound.platformMessageId);
    } catch (error) {
      // Left in the inbox: replayed on the next start, so this message may be answered twice
      // (delivery is at least once; see the README's "Durable before acknowledged").
      this.options.log.error({ err: error, code: 'CROUPIER_STORE_FAILED' }, 'could not settle an inbox message');
    }
    return result;
  }

  #track(task: Promise<TurnResult>): Promise<TurnResult> {
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
    return task;
  }

  async #handle(inbound: Inbound, claimed: boolean): Promise<TurnResult> {
    const turnId = this.options.ids();
    const logger = lazyTurnLog(this.options.log, { channel: inbound.channel, turn: turnId });
    const turn: Turn = {
      id: turnId,
      inbound,
      claimed,
      get log() {
        return logger.log;
      },
      bindLog: logger.bindLog,
      language: languageFromLocale(inbound.sender.localeHint, this.options.languages.supported()) ?? this.options.languages.fallback,
      replies: [],
      stored: [],
      duplicate: false,
      rateLimited: false,
    };
    try {
      await this.#run(turn);
      await this.options.store.durable();
      return result(turn, false);
    } catch (error) {
      await this.#recover(turn, error);
      return result(turn, true);
    }
  }

  /** Logs the failure with its code and stage, and tells the player, in their language, that we are on it. */
  async #recover(turn: Turn, error: unknown): Promise<void> {
    const stage = error instanceof StageError ? error.stage : 'unknown';
    const cause = error instanceof StageError ? error.cause : error;
    const code = cause instanceof CroupierError ? cause.code : 'CROUPIER_PIPELINE_STAGE_FAILED';
    turn.log.error({ err: cause, code, stage }, 'turn failed');
    const apology = textMessage(this.options.texts(turn.language, 'apology'), undefined, 'system');
    const conversationId = turn.conversation?.id ?? '';
    try {
      if (turn.conversation) {
        const entry = await this.options.store.transcript.append({
          conversationId,
          direction: 'out',
          author: 'system',
          text: apology.kind === 'text' ? apology.text : '',
          at: this.options.clock.now(),
          delivery: 'pending',
        });
        turn.stored = [entry];
        await this.options.store.events.append({ type: 'turn.failed', at: entry.at, conversationId, data: { stage, code } });
        await this.options.store.durable();
      }
    } catch (storeError) {
      turn.log.error({ err: storeError, code: 'CROUPIER_STORE_FAILED' }, 'could not record the apology');
      turn.stored = [];
    }
    try {
      await this.options.deliver(
        { channel: turn.inbound.channel, conversationKey: turn.inbound.conversationKey, conversationId },
        apology,
        turn.stored[0],
      );
    } catch (sendError) {
      turn.log.error({ err: sendError, code: 'CROUPIER_PLATFORM_API' }, 'could not deliver the apology');
    }
    turn.replies.splice(0, turn.replies.length, apology);
  }

  /**
   * Runs `task` in a conversation's turn order: after the turns already queued for it and before
   * later ones, so something said outside a turn (an agent's reply, a queue update) never overtakes
   * a reply and never races a turn's own save of the conversation. Never call it from inside a
   * turn of the same conversation: that turn would wait for itself.
   */
  exclusive<R>(channel: string, conversationKey: string, task: () => Promise<R>): Promise<R> {
    return this.#queue.run(conversationSlot({ channel, conversationKey }), task);
  }

  /** Stops taking messages and waits for every turn already accepted to finish. */
  async drain(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#queue.drain();
  }
}

function result(turn: Turn, failed: boolean): TurnResult {
  return {
    turnId: turn.id,
    conversationId: turn.conversation?.id,
    duplicate: turn.duplicate,
    rateLimited: turn.rateLimited,
    failed,
    replies: turn.stored,
  };
}
