import { randomInt } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import {
  maskEmail,
  maskPhone,
  type Balance,
  type BackOffice,
  type Bonus,
  type CodeChannel,
  type CodeCheck,
  type Deposit,
  type Kyc,
  type PlayerProfile,
  type PlayerQuery,
  type Vip,
  type Withdrawal,
} from './back-office.js';
import { demoPlayers, type DemoPlayer } from './demo-players.js';

/** How long a one-time code lives. */
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong tries before a code locks. */
export const MAX_CODE_ATTEMPTS = 5;

export interface DemoBackOfficeOptions {
  /**
   * Receives each one-time code, so the demo can print it in the server log ("demo back office:
   * code for P-1001 is 123456") and tests can read it. A real back office e-mails it instead; this
   * is the only place a code is ever handed to a logger.
   */
  readonly onCode?: (playerId: string, code: string) => void;
  /** Random source in [0, 1) for codes (default: crypto.randomInt). */
  readonly random?: () => number;
  /** Replaces the shipped directory (default: {@link demoPlayers} at the clock's "now"). */
  readonly players?: readonly DemoPlayer[];
}

/**
 * The default back office: the demo directory in memory, with real one-time codes (6 digits,
 * 10 minutes, 5 attempts). Dates are computed once, from the clock, when it is built.
 *
 * @example const bo = new DemoBackOffice(clock, { onCode: (id, code) => log.info(`demo back office: code for ${id} is ${code}`) })
 */
export class DemoBackOffice implements BackOffice {
  readonly #clock: Clock;
  readonly #options: DemoBackOfficeOptions;
  readonly #players: Map<string, DemoPlayer>;
  readonly #codes = new Map<string, { code: string; expiresAt: number; attempts: number }>();

  constructor(clock: Clock, options: DemoBackOfficeOptions = {}) {
    this.#clock = clock;
    this.#options = options;
    this.#players = new Map((options.players ?? demoPlayers(clock.now())).map((player) => [player.profile.casinoPlayerId, player]));
  }

  #get(playerId: string): DemoPlayer {
    const player = this.#players.get(playerId);
    if (!player) throw new CroupierError('CROUPIER_CRM_NOT_FOUND', 'no such player in the demo directory');
    return player;
  }

  async findPlayer(query: PlayerQuery): Promise<PlayerProfile | null> {
    const email = query.email?.trim().toLowerCase();
    const phone = query.phone?.replace(/[^\d+]/g, '');
    for (const { profile } of this.#players.values()) {
      if (query.casinoPlayerId !== undefined && profile.casinoPlayerId === query.casinoPlayerId) return profile;
      if (email && profile.email.toLowerCase() === email) return profile;
      if (phone && profile.phone !== undefined && profile.phone === phone) return profile;
    }
    return null;
  }

  async getBalance(playerId: string): Promise<Balance> {
    return this.#get(playerId).balance;
  }

  async getVip(playerId: string): Promise<Vip> {
    return this.#get(playerId).vip;
  }

  async getKyc(playerId: string): Promise<Kyc> {
    return this.#get(playerId).kyc;
  }

  async listDeposits(playerId: string, options: { limit?: number } = {}): Promise<Deposit[]> {
    return newestFirst(this.#get(playerId).deposits, options.limit);
  }

  async listWithdrawals(playerId: string, options: { limit?: number } = {}): Promise<Withdrawal[]> {
    return newestFirst(this.#get(playerId).withdrawals, options.limit);
  }

  async listBonuses(playerId: string): Promise<Bonus[]> {
    return [...this.#get(playerId).bonuses];
  }

  async sendPasswordReset(playerId: string): Promise<{ sentTo: string }> {
    return { sentTo: maskEmail(this.#get(playerId).profile.email) };
  }

  async sendVerificationCode(playerId: string, channel: CodeChannel): Promise<{ sentTo: string; expiresAt: string }> {
    const { profile } = this.#get(playerId);
    if (channel === 'sms' && profile.phone === undefined)
      throw new CroupierError('CROUPIER_CRM_REJECTED', 'the player has no phone number for an SMS code');
    const random = this.#options.random;
    const n = random ? Math.min(999_999, Math.floor(random() * 1_000_000)) : randomInt(0, 1_000_000);
    const code = String(n).padStart(6, '0');
    const expiresAt = this.#clock.now().getTime() + CODE_TTL_MS;
    this.#codes.set(playerId, { code, expiresAt, attempts: 0 });
    this.#options.onCode?.(playerId, code);
    const sentTo = channel === 'sms' && profile.phone !== undefined ? maskPhone(profile.phone) : maskEmail(profile.email);
    return { sentTo, expiresAt: new Date(expiresAt).toISOString() };
  }

  async checkVerificationCode(playerId: string, code: string): Promise<CodeCheck> {
    this.#get(playerId);
    const entry = this.#codes.get(playerId);
    if (!entry) return 'invalid';
    if (entry.attempts >= MAX_CODE_ATTEMPTS) return 'too_many_attempts';
    if (this.#clock.now().getTime() >= entry.expiresAt) {
      this.#codes.delete(playerId);
      return 'expired';
    }
    entry.attempts += 1;
    if (entry.code !== code.trim()) return entry.attempts >= MAX_CODE_ATTEMPTS ? 'too_many_attempts' : 'invalid';
    this.#codes.delete(playerId);
    return 'valid';
  }

  /** The code a player was last sent and has not used yet (demo console and tests only). */
  lastCodeFor(playerId: string): string | undefined {
    return this.#codes.get(playerId)?.code;
  }
}

function newestFirst<T extends { readonly createdAt: string }>(items: readonly T[], limit = 10): T[] {
  return [...items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).slice(0, Math.max(0, limit));
}
