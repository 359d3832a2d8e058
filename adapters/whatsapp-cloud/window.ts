import type { Clock } from '../../src/core/clock.js';
import type { TranscriptRepository } from '../../src/store/store.js';

export const WINDOW_MS = 24 * 60 * 60 * 1000;
const REMEMBERED = 50_000;

/**
 * WhatsApp's customer-service window: free-form messages (text, buttons, lists, media) may be
 * sent only within 24 hours of the player's last message; after that, only an approved template.
 *
 * The transcript is the source of truth: its last inbound entry of the conversation is the
 * player's last message, with the platform's own timestamp, and it survives restarts and is
 * shared by every instance of a scaled-out deployment. Memory is a cache in front of it, trusted
 * only when it says "open" (a window can only be extended by a newer message, so a remembered
 * recent message is enough); "closed" or "unknown" is always checked against the transcript, so a
 * restart or a message taken by another instance never closes a window that is open.
 */
export class ServiceWindow {
  readonly #lastInbound = new Map<string, number>();
  /** Graph said 131047 although we thought the window open: closed until the player writes. */
  readonly #refused = new Set<string>();
  /** When a re-engagement template went out, so a closed window gets one template, not one per message. */
  readonly #templateAt = new Map<string, number>();

  constructor(
    private readonly transcript: TranscriptRepository,
    private readonly clock: Clock,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** The player wrote at `at` (the platform's timestamp). */
  noteInbound(conversationKey: string, at: Date): void {
    const ms = at.getTime();
    const known = this.#lastInbound.get(conversationKey);
    this.#lastInbound.delete(conversationKey);
    this.#lastInbound.set(conversationKey, Math.max(ms, known ?? 0));
    this.#refused.delete(conversationKey);
    if (this.#lastInbound.size > REMEMBERED) {
      const oldest = this.#lastInbound.keys().next().value;
      if (oldest !== undefined) this.#lastInbound.delete(oldest);
    }
  }

  /** Graph refused a free-form message with 131047: trust it over our own clock. */
  noteRefused(conversationKey: string): void {
    this.#refused.add(conversationKey);
  }

  /** When the player last wrote (ms), from memory or the transcript; undefined if never. */
  async lastInbound(conversationKey: string, conversationId: string): Promise<number | undefined> {
    const remembered = this.#lastInbound.get(conversationKey);
    if (remembered !== undefined && this.#isRecent(remembered)) return remembered;
    if (conversationId === '') return remembered;
    let entries = await this.transcript.list(conversationId, { limit: 100 });
    let last = entries.findLast((entry) => entry.direction === 'in');
    if (!last && entries.length === 100) {
      entries = await this.transcript.list(conversationId);
      last = entries.findLast((entry) => entry.direction === 'in');
    }
    const fromStore = last?.at.getTime();
    if (fromStore !== undefined && (remembered === undefined || fromStore > remembered)) {
      this.#lastInbound.set(conversationKey, fromStore);
      return fromStore;
    }
    return remembered;
  }

  async isOpen(conversationKey: string, conversationId: string): Promise<boolean> {
    if (this.#refused.has(conversationKey)) return false;
    const last = await this.lastInbound(conversationKey, conversationId);
    return last !== undefined && this.#isRecent(last);
  }

  /** Whether a template already went out since the player's last message (then another one waits for their reply). */
  async templateSent(conversationKey: string, conversationId: string): Promise<boolean> {
    const sent = this.#templateAt.get(conversationKey);
    if (sent === undefined) return false;
    const last = await this.lastInbound(conversationKey, conversationId);
    return last === undefined || sent >= last;
  }

  noteTemplate(conversationKey: string): void {
    this.#templateAt.set(conversationKey, this.clock.now().getTime());
    if (this.#templateAt.size > REMEMBERED) {
      const oldest = this.#templateAt.keys().next().value;
      if (oldest !== undefined) this.#templateAt.delete(oldest);
    }
  }

  #isRecent(ms: number): boolean {
    return this.clock.now().getTime() - ms < this.windowMs;
  }
}
