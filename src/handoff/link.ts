import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import type { Outbound } from '../core/message.js';
import type { Pipeline } from '../core/pipeline.js';
import type { Deliver } from '../core/stages/deliver.js';
import type { Store, TranscriptEntry } from '../store/store.js';
import type { PlayerLink } from './desk.js';

/**
 * The desk's way to the player, through the pipeline: every message and status change runs in the
 * conversation's turn order, is stored in the transcript first, then sent with the shared retrying
 * `deliver` (the outcome lands on the transcript entry, like a bot reply's).
 */
export function pipelineLink(parts: {
  readonly pipeline: Pick<Pipeline, 'exclusive'>;
  readonly store: Store;
  readonly deliver: Deliver;
  readonly clock: Clock;
  readonly log: Logger;
}): PlayerLink {
  const { pipeline, store, deliver, clock, log } = parts;
  return {
    send(target, outbound: Outbound) {
      if (outbound.kind !== 'text') return Promise.reject(new CroupierError('CROUPIER_INPUT_INVALID', 'the desk sends text only'));
      return new Promise<TranscriptEntry>((resolve, reject) => {
        const task = pipeline.exclusive(target.channel, target.conversationKey, async () => {
          let entry: TranscriptEntry;
          try {
            entry = await store.transcript.append({
              conversationId: target.conversationId,
              direction: 'out',
              author: outbound.author,
              text: outbound.text,
              ...(outbound.buttons ? { buttons: outbound.buttons } : {}),
              at: clock.now(),
              delivery: 'pending',
            });
            await store.durable();
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          // Stored: the caller may answer now; the send (with its retries) goes on in turn order.
          resolve(entry);
          try {
            const receipt = await deliver(target, outbound, entry);
            await store.transcript.markDelivery(entry, 'sent', receipt?.platformMessageId);
          } catch (error) {
            const code = error instanceof CroupierError ? error.code : 'CROUPIER_PLATFORM_API';
            log.error(
              { err: error, code, channel: target.channel, conversationId: target.conversationId },
              'message to the player could not be delivered',
            );
            await store.transcript.markDelivery(entry, 'failed');
            await store.events.append({
              type: 'message.failed',
              at: entry.at,
              conversationId: target.conversationId,
              data: { seq: entry.seq, channel: target.channel, code },
            });
          }
        });
        void task.catch(reject);
      });
    },
    update(target, change) {
      return pipeline.exclusive(target.channel, target.conversationKey, async () => {
        const conversation = await store.conversations.get(target.conversationId);
        if (!conversation) return;
        change(conversation);
        conversation.updatedAt = clock.now();
        await store.conversations.save(conversation);
      });
    },
  };
}
