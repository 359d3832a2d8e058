import type { Stage } from '../compose.js';
import { textMessage } from '../message.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { Turn } from '../turn.js';
import type { EventLog } from '../../store/store.js';
import type { SystemTexts } from './system-texts.js';

/**
 * Per-player flood protection. It sits after the conversation stage on purpose: every message is
 * stored in the transcript first (nothing a player writes is lost, and an agent sees it all), and
 * only the bot's work is refused. The first message over the limit gets one polite notice; the
 * rest of the flood gets silence until the player slows down.
 */
export function rateLimitStage(limiter: RateLimiter, texts: SystemTexts, events: EventLog): Stage<Turn> {
  return {
    name: 'rate-limit',
    requires: ['conversation'],
    async run(turn, next) {
      const { channel, sender } = turn.inbound;
      const decision = limiter.take(`${channel}\u0000${sender.userId}`);
      if (decision === 'allow') return next();
      turn.rateLimited = true;
      if (decision === 'notify') {
        turn.replies.push(textMessage(texts(turn.language, 'rate_limited'), undefined, 'system'));
        turn.log.warn('player is flooding; sent one notice');
      }
      await events.append({
        type: 'message.rate_limited',
        at: turn.inbound.receivedAt,
        conversationId: turn.conversation?.id,
        playerId: turn.player?.id,
        data: { decision },
      });
    },
  };
}
