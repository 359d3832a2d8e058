import type { Stage } from '../compose.js';
import type { Turn } from '../turn.js';
import type { ReceiptRepository } from '../../store/store.js';

/**
 * Drops redeliveries: platforms resend a message when they doubt we got it (Telegram after a slow
 * webhook, WhatsApp after a 5xx), and the widget resends its outbox after a reconnect. The receipt
 * is written before anything else, so it is also the durable "we have it" mark.
 */
export function dedupeStage(receipts: ReceiptRepository): Stage<Turn> {
  return {
    name: 'dedupe',
    async run(turn, next) {
      if (turn.claimed) {
        await next();
        return;
      }
      const { channel, platformMessageId, receivedAt } = turn.inbound;
      const first = await receipts.claim(channel, platformMessageId, receivedAt);
      if (!first) {
        turn.duplicate = true;
        turn.log.debug('duplicate message ignored');
        return;
      }
      await next();
    },
  };
}
