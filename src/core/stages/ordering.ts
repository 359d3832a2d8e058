import type { Stage } from '../compose.js';
import type { KeyedQueue } from '../keyed-queue.js';
import type { Turn } from '../turn.js';

/**
 * Handles a conversation's messages strictly in arrival order, one at a time, while other
 * conversations proceed concurrently. Everything after this stage (state, replies, delivery)
 * runs inside the conversation's slot.
 */
export function orderingStage(queue: KeyedQueue): Stage<Turn> {
  return {
    name: 'ordering',
    run(turn, next) {
      return queue.run(conversationSlot(turn.inbound), next);
    },
  };
}

/** A conversation's place in the turn order: the key the ordering stage and `Pipeline.exclusive` queue on. */
export function conversationSlot(message: { readonly channel: string; readonly conversationKey: string }): string {
  return `${message.channel}\u0000${message.conversationKey}`;
}
