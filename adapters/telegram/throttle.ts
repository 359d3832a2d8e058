import type { Clock } from '../../src/core/clock.js';

export interface RateOptions {
  /** Messages that may go at once after a quiet spell. */
  readonly burst: number;
  /** Sustained messages per second. */
  readonly perSecond: number;
}

export interface ThrottleOptions {
  /** Telegram: "avoid sending more than one message per second in a particular chat … short bursts" are allowed. */
  readonly perChat: RateOptions;
  /** Telegram: "not more than 30 messages per second" to different users. */
  readonly global: RateOptions;
  readonly clock: Clock;
  /** Injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Defaults from the Bot API FAQ ("My bot is hitting limits, how do I avoid this?"). */
export const TELEGRAM_LIMITS = {
  perChat: { burst: 3, perSecond: 1 },
  global: { burst: 30, perSecond: 30 },
} as const satisfies Pick<ThrottleOptions, 'perChat' | 'global'>;

interface Cell {
  /** Theoretical arrival time of the next message (GCRA), in ms. */
  tat: number;
}

/**
 * Outbound throttling per chat and for the whole bot: two token buckets in their virtual-time form
 * (GCRA). `wait(chat)` first takes the chat's next slot (in call order, so a chat's messages keep
 * their order) and sleeps until it comes, then takes the bot-wide slot at that moment; a burst
 * after a quiet spell goes out without delay.
 *
 * @example await throttle.wait(String(chatId)); await api.sendMessage(chatId, text)
 */
export class SendThrottle {
  readonly #chats = new Map<string, Cell>();
  readonly #global: Cell = { tat: Number.NEGATIVE_INFINITY };
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ThrottleOptions) {
    for (const rate of [options.perChat, options.global]) {
      if (!(rate.burst >= 1) || !(rate.perSecond > 0)) throw new RangeError('burst must be at least 1 and perSecond above 0');
    }
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when a message to `chat` may be sent. */
  async wait(chat: string): Promise<void> {
    const now = this.options.clock.now().getTime();
    let cell = this.#chats.get(chat);
    if (!cell) {
      this.#sweep(now);
      cell = { tat: now };
      this.#chats.set(chat, cell);
    }
    const chatDelay = take(cell, this.options.perChat, now);
    if (chatDelay > 0) await this.#sleep(chatDelay);
    // The bot-wide bucket is charged when the message really goes, so its arrivals stay in order.
    const globalDelay = take(this.#global, this.options.global, this.options.clock.now().getTime());
    if (globalDelay > 0) await this.#sleep(globalDelay);
  }

  /** Chats whose bucket is full again are forgotten, so memory is bounded by active chats. */
  #sweep(now: number): void {
    if (this.#chats.size < 10_000) return;
    for (const [chat, cell] of this.#chats) if (cell.tat <= now) this.#chats.delete(chat);
  }
}

/** Takes the bucket's next slot and returns how many ms until it comes. */
function take(cell: Cell, rate: RateOptions, now: number): number {
  const at = Math.max(now, cell.tat - (rate.burst - 1) * interval(rate));
  cell.tat = Math.max(cell.tat, at) + interval(rate);
  return at - now;
}

function interval(rate: RateOptions): number {
  return 1000 / rate.perSecond;
}
