import type { Stage } from '../compose.js';
import { showsNumbered, type ChannelCapabilities } from '../render.js';
import type { Turn } from '../turn.js';
import type { TranscriptRepository } from '../../store/store.js';

/** A bare option number as players type it: "2", " 2.", "2)", "#2", "2️⃣". */
const NUMBER = /^\s*#?\s*(\d{1,2})\s*(?:[.)]|\uFE0F?\u20E3)?\s*$/u;

/**
 * On channels that show options as numbered text (Viber with many options, WhatsApp Web, SMS), a
 * player answers "2". When the last message we sent offered options that this channel showed as
 * numbers, the number becomes that option's button payload, so flows never see the difference.
 * A number out of range, or one typed when no menu was open, stays plain text.
 */
export function numberedReplyStage(
  transcript: TranscriptRepository,
  capabilities: (channel: string) => ChannelCapabilities | undefined,
): Stage<Turn> {
  return {
    name: 'numbered-reply',
    requires: ['conversation'],
    async run(turn, next) {
      const match = turn.inbound.payload === undefined ? NUMBER.exec(turn.inbound.text ?? '') : null;
      const channel = capabilities(turn.inbound.channel);
      if (match && channel && turn.conversation) {
        const recent = await transcript.list(turn.conversation.id, { limit: 6 });
        const lastOut = recent.filter((entry) => entry.direction === 'out' && entry.author !== 'system').at(-1);
        const buttons = lastOut?.buttons ?? [];
        const chosen = buttons[Number(match[1]) - 1];
        if (chosen && showsNumbered(buttons, channel)) {
          turn.inbound = { ...turn.inbound, payload: chosen.payload };
          turn.numberedReply = true;
        }
      }
      await next();
    },
  };
}
