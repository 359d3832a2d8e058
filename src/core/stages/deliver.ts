import type { Stage } from '../compose.js';
import { CroupierError } from '../errors.js';
import type { Outbound } from '../message.js';
import type { Turn } from '../turn.js';
import type { EventLog, TranscriptEntry, TranscriptRepository } from '../../store/store.js';

/** Where replies go: the channel adapter's proactive send, looked up by channel id. */
export interface DeliveryTarget {
  readonly channel: string;
  readonly conversationKey: string;
  readonly conversationId: string;
}

/** `entry` is the stored transcript entry of a text or media reply (absent for typing indicators). */
export type Deliver = (
  target: DeliveryTarget,
  outbound: Outbound,
  entry?: TranscriptEntry,
) => Promise<{ platformMessageId?: string } | void>;

/**
 * Sends the turn's replies through the player's channel once they are stored, inside the
 * conversation's ordering slot so replies never overtake each other. A failed send is recorded on
 * the transcript entry and logged; it does not fail the turn (the reply is kept for the agent).
 */
export function deliverStage(deliver: Deliver, transcript: TranscriptRepository, events?: EventLog): Stage<Turn> {
  return {
    name: 'deliver',
    requires: ['ordering'],
    async run(turn, next) {
      await next();
      const conversation = turn.conversation;
      if (!conversation) return;
      const target = { channel: turn.inbound.channel, conversationKey: turn.inbound.conversationKey, conversationId: conversation.id };
      let stored = 0;
      for (const reply of turn.replies) {
        const entry = reply.kind === 'typing' ? undefined : turn.stored[stored++];
        try {
          const receipt = await deliver(target, reply, entry);
          if (entry) await transcript.markDelivery(entry, 'sent', receipt?.platformMessageId);
        } catch (error) {
          turn.log.error({ err: error, code: 'CROUPIER_PLATFORM_API' }, 'reply could not be delivered');
          if (entry) {
            await transcript.markDelivery(entry, 'failed');
            const code = error instanceof CroupierError ? error.code : 'CROUPIER_PLATFORM_API';
            await events?.append({
              type: 'message.failed',
              at: entry.at,
              conversationId: conversation.id,
              data: { seq: entry.seq, channel: target.channel, code },
            });
          }
        }
      }
    },
  };
}
