import { TurnContext, type ConversationReference } from 'botbuilder';
import type { DeliveryTarget } from '../../src/core/stages/deliver.js';
import type { Store } from '../../src/store/store.js';
import { activitySchema, type BotActivity } from './activity.js';

export type Reference = Partial<ConversationReference>;

/**
 * Where to send a conversation's messages (service URL, conversation, bot and user accounts, the
 * activity to reply to): the ConversationReference of the player's latest activity.
 *
 * Durable without a table of its own: every activity the pipeline took in is already stored in
 * the transcript with its raw payload, before any reply to it is sent, so the reference is read
 * back from the newest inbound entry when it is not in memory (after a restart, on another
 * instance sharing the store). The store stays the one source of truth, every Store
 * implementation gets it for free, and it can never disagree with the conversation it belongs to.
 * A bounded in-memory map keeps the store out of the hot path.
 */
export class ConversationReferences {
  readonly #recent = new Map<string, Reference>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 10_000,
  ) {}

  /** Called for every authenticated activity of a conversation, so the newest reference wins. */
  remember(conversationKey: string, activity: BotActivity): Reference {
    const reference = TurnContext.getConversationReference(
      activity as unknown as Parameters<typeof TurnContext.getConversationReference>[0],
    );
    this.#recent.delete(conversationKey);
    this.#recent.set(conversationKey, reference);
    if (this.#recent.size > this.capacity) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    return reference;
  }

  async find(target: DeliveryTarget): Promise<Reference | undefined> {
    const known = this.#recent.get(target.conversationKey);
    if (known) return known;
    if (target.conversationId === '') return undefined;
    // Usually among the last few entries; a long agent monologue needs the whole transcript.
    const activity =
      newestActivity(await this.store.transcript.list(target.conversationId, { limit: 50 })) ??
      newestActivity(await this.store.transcript.list(target.conversationId));
    return activity ? this.remember(target.conversationKey, activity) : undefined;
  }
}

function newestActivity(entries: readonly { direction: 'in' | 'out'; raw?: unknown }[]): BotActivity | undefined {
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index];
    if (entry?.direction !== 'in') continue;
    const parsed = activitySchema.safeParse(entry.raw);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}
