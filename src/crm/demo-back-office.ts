import { randomInt } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import { maskEmail, type BackOffice, type CodeCheck, type PlayerProfile } from './back-office.js';
import { demoPlayers, type DemoPlayer } from './demo-players.js';

const CODE_TTL_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;

/**
 * The default back office: the demo directory in memory, with real one-time codes (6 digits,
 * 10 minutes, 5 attempts). `onCode` receives each code so the demo can print it in the server log
 * and tests can read it — a real back office e-mails it instead.
 */
export class DemoBackOffice implements BackOffice {
  readonly #players: Map<string, DemoPlayer>;
  readonly #codes = new Map<string, { code: string; expiresAt: number; attempts: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { onCode?: (playerId: string, code: string) => void; random?: () => number; players?: DemoPlayer[] } = {},
  ) {
    this.#players = new Map((options.players ?? demoPlayers(clock.now())).map((player) => [player.profile.casinoPlayerId, player]));
  }

  #get(playerId: string): DemoPlayer {
    const player = this.#players.get(playerId);
    if (!player) throw new CroupierError('CROUPIER_CRM_NOT_FOUND', `no player ${playerId} in the demo directory`);
    return player;
  }

  async findPlayer(query: { casinoPlayerId?: string; email?: string; phone?: string }): Promise<PlayerProfile | null> {
    for (const player of this.#players.values()) {
      const p = player.profile;
      if (query.casinoPlayerId !== undefined && p.casinoPlayerId === query.casinoPlayerId) return p;
      if (query.email !== undefined && p.email.toLowerCase() === query.email.trim().toLowerCase()) return p;
      if (query.phone !== undefined && p.phone !== undefined && p.phone === query.phone) return p;
    }
    return null;
  }

  async getBalance(playerId: string) {
    return this.#get(playerId).balance;
  }

  async getVip(playerId: string) {
    return this.#get(playerId).vip;
  }

  async getKyc(playerId: string) {
    return this.#get(playerId).kyc;
  }

  async listDeposits(playerId: string, options: { limit?: number } = {}) {
    return [...this.#get(playerId).deposits].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, options.limit ?? 10);
  }

  async listWithdrawals(playerId: string, options: { limit?: number } = {}) {
    return [...this.#get(playerId).withdrawals].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, options.limit ?? 10);
  }

  async listBonuses(playerId: string) {
    return this.#get(playerId).bonuses;
  }

  async sendPasswordReset(playerId: string) {
    return { sentTo: maskEmail(this.#get(playerId).profile.email) };
  }

  async sendVerificationCode(playerId: string, _channel: 'email' | 'sms') {
    const player = this.#get(playerId);
    const random = this.options.random;
    const code = String(random ? Math.floor(random() * 1_000_000) : randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = this.clock.now().getTime() + CODE_TTL_MS;
    this.#codes.set(playerId, { code, expiresAt, attempts: 0 });
    this.options.onCode?.(playerId, code);
    return { sentTo: maskEmail(player.profile.email), expiresAt: new Date(expiresAt).toISOString() };
  }

  async checkVerificationCode(playerId: string, code: string): Promise<CodeCheck> {
    const entry = this.#codes.get(playerId);
    if (!entry) return 'invalid';
    if (entry.attempts >= MAX_ATTEMPTS) return 'too_many_attempts';
    if (this.clock.now().getTime() > entry.expiresAt) {
      this.#codes.delete(playerId);
      return 'expired';
    }
    entry.attempts += 1;
    if (entry.code !== code.trim()) return entry.attempts >= MAX_ATTEMPTS ? 'too_many_attempts' : 'invalid';
    this.#codes.delete(playerId);
    return 'valid';
  }

  /** The last code sent to a player (demo and tests only). */
  lastCodeFor(playerId: string): string | undefined {
    return this.#codes.get(playerId)?.code;
  }
}
