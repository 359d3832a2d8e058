import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CroupierConfig, Secrets } from '../config/schema.js';
import type { Clock, IdSource } from '../core/clock.js';
import type { Outbound } from '../core/message.js';
import type { DeliveryTarget } from '../core/stages/deliver.js';
import type { TurnResult } from '../core/turn.js';
import type { Inbound } from '../core/message.js';
import type { Accepted } from '../core/pipeline.js';
import type { ChannelCapabilities } from '../core/render.js';
import type { HandoffDesk } from '../handoff/desk.js';
import type { Store, TranscriptEntry } from '../store/store.js';

export type { ChannelCapabilities } from '../core/render.js';

/** What a channel whose platform also serves agents may do with the hand-off desk. */
export type AgentDesk = Pick<HandoffDesk, 'subscribe' | 'claim' | 'reply' | 'close' | 'agents' | 'refreshAgents'>;

/** Everything an adapter may use; it never reaches past this into the rest of the product. */
export interface ChannelContext {
  readonly config: CroupierConfig;
  readonly secrets: Secrets;
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** The package root, where adapters/ and their static files live. */
  readonly rootDir: string;
  /** Hands an inbound message to the pipeline and resolves when the turn is done (the web channel's HTTP API). */
  handle(inbound: Inbound): Promise<TurnResult>;
  /**
   * For webhooks: resolves once the message is durably stored, the moment to acknowledge the
   * platform; the turn goes on in the background (`turn`). Redeliveries come back `duplicate`.
   */
  accept(inbound: Inbound): Promise<Accepted>;
  /** The process environment, where the adapter reads its tokens (never from croupier.yaml). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The public base URL (server.publicUrl, else the local URL) for the webhook lines of `describe()`. */
  publicUrl(): string;
  /** Secret for values this server signs for itself (web conversation ids). */
  readonly serverSecret: string;
  /**
   * The hand-off desk, for a channel whose platform also serves agents (Telegram forum topics,
   * adapters/telegram/agent-topics.ts). Absent where no desk runs (contexts built by hand in tests).
   */
  readonly agentDesk?: AgentDesk;
}

/**
 * A channel adapter does two things only: turn platform updates into Inbound messages (through
 * the routes it registers) and turn Outbound messages into platform calls (`send`).
 */
export interface ChannelAdapter {
  readonly id: string;
  readonly capabilities: ChannelCapabilities;
  /** Adds the channel's routes (webhooks, sockets, static files) to the server. */
  register(server: FastifyInstance): Promise<void>;
  /** Proactive send: bot replies, agent replies, reminders; usable at any time, not only inside a turn. */
  send(target: DeliveryTarget, outbound: Outbound, entry?: TranscriptEntry): Promise<{ platformMessageId?: string } | void>;
  /** Called once the server listens (long polling, a WhatsApp Web login); must not block for long. */
  start?(): Promise<void>;
  /** Lines for the start-up log: what is live and which URLs to register with the platform. */
  describe(): string[];
  /**
   * The shutdown has begun: stop waiting for anything that may not come (e.g. replies held for a
   * reconnection), so the turns in flight can finish before `close`.
   */
  stopping?(): void;
  close?(): Promise<void>;
}

/** Creates the adapter from the context, or returns undefined when the channel is disabled. */
export type ChannelFactory = (context: ChannelContext) => ChannelAdapter | undefined;
