import type { Turn } from '../core/turn.js';
import type { Bot } from '../core/stages/bot.js';
import { textMessage } from '../core/message.js';
import type { Catalogue } from './catalogue.js';

/**
 * TEMPORARY SHORTCUT (issue #2): a greeting/menu/echo rule so the product runs end to end before
 * the NLU (issue #3) and the flow engine (issue #4) land. It greets with a menu of buttons, answers
 * the menu's buttons, and acknowledges anything else. It is replaced, not extended.
 */
export class TemporaryBot implements Bot {
  constructor(private readonly catalogue: () => Catalogue) {}

  async respond(turn: Turn): Promise<void> {
    const texts = this.catalogue();
    const { text, payload } = turn.inbound;
    const say = (key: string, vars?: Record<string, string>) => texts.text(turn.language, key, vars);
    if (payload?.startsWith('topic:')) {
      const topic = payload.slice('topic:'.length);
      if (['deposits', 'withdrawals', 'human'].includes(topic)) {
        turn.replies.push(textMessage(say(`topic.${topic}`)));
        return;
      }
    }
    if (text === undefined || text.trim() === '') {
      turn.replies.push(textMessage(say('system.unsupported_message')));
      return;
    }
    const menu = [
      { label: say('welcome.deposits'), payload: 'topic:deposits' },
      { label: say('welcome.withdrawals'), payload: 'topic:withdrawals' },
      { label: say('welcome.human'), payload: 'topic:human' },
    ];
    if (GREETING.test(text.trim())) {
      turn.replies.push(textMessage(say('welcome.text'), menu));
      return;
    }
    turn.replies.push(textMessage(say('fallback.text', { text: text.trim().slice(0, 200) }), menu));
  }
}

// Temporary: greetings in the shipped languages; the NLU's `greeting` intent replaces this.
const GREETING = /^(hi|hello|hey|hola|buenas|hallo|servus|moin|привет|здравствуйте|privet|salut|buna|bună)\b/i;
