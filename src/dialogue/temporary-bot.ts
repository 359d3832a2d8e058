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
    const answers: Record<string, string> = { deposits: 'deposit.general_help', withdrawals: 'withdrawal.general_help', human: 'handoff.default' };
    const answer = payload?.startsWith('topic:') ? answers[payload.slice('topic:'.length)] : undefined;
    if (answer) {
      turn.replies.push(textMessage(say(answer)));
      return;
    }
    if (text === undefined || text.trim() === '') {
      turn.replies.push(textMessage(say('system.unsupported_message')));
      return;
    }
    const menu = [
      { label: say('menu.deposits'), payload: 'topic:deposits' },
      { label: say('menu.withdrawals'), payload: 'topic:withdrawals' },
      { label: say('menu.human'), payload: 'topic:human' },
    ];
    turn.replies.push(textMessage(say(GREETING.test(text.trim()) ? 'greeting.welcome' : 'fallback.text'), menu));
  }
}

// Temporary: greetings in the shipped languages; the NLU's `greeting` intent replaces this.
const GREETING = /^(hi|hello|hey|hola|buenas|hallo|servus|moin|привет|здравствуйте|privet|salut|buna|bună)\b/i;
