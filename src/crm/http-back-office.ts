import { z } from 'zod';
import { systemClock, type Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import type { BackOffice, Bonus, CodeCheck, Deposit, Kyc, Money, PlayerProfile, Vip, Withdrawal } from './back-office.js';

/**
 * The back office over HTTP: what an operator implements (or puts a thin proxy in front of) to
 * connect Croupier to the casino platform. JSON everywhere; times are ISO 8601 strings.
 *
 *   GET  /players?casinoPlayerId=…|email=…|phone=…   → PlayerProfile          (404: no such player)
 *   GET  /players/{id}/balance                       → { balance: Money, bonus: Money }
 *   GET  /players/{id}/vip                           → { tier, manager: { name, agentId? } | null, points }
 *   GET  /players/{id}/kyc                           → { status, missingDocuments: [...], rejectionReason?, submittedAt? }
 *   GET  /players/{id}/deposits?limit=n              → Deposit[] (newest first)
 *   GET  /players/{id}/withdrawals?limit=n           → Withdrawal[] (newest first)
 *   GET  /players/{id}/bonuses                       → Bonus[]
 *   POST /players/{id}/password-reset                → { sentTo }          (Idempotency-Key header)
 *   POST /players/{id}/verification-codes            → { sentTo, expiresAt } (Idempotency-Key header)
 *   POST /players/{id}/verification-codes/check      → { result: valid | invalid | expired | too_many_attempts }
 *
 * Failures map to stable codes the flows' error branches see: a timeout is CROUPIER_CRM_TIMEOUT;
 * network errors, 5xx and 429 after the retries are CROUPIER_CRM_UNAVAILABLE; 404 is
 * CROUPIER_CRM_NOT_FOUND; other 4xx CROUPIER_CRM_REJECTED; an answer of the wrong shape is
 * CROUPIER_CRM_UNAVAILABLE. Error messages never contain the API key or personal data.
 *
 * @example new HttpBackOffice({ baseUrl: 'https://bo.example.com/api', apiKey: process.env.CROUPIER_BACK_OFFICE_KEY })
 */
export interface HttpBackOfficeOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Header that carries the key (default `authorization`, sent as `Bearer <key>`). */
  readonly apiKeyHeader?: string;
  /** Per-attempt timeout (default 3000 ms). */
  readonly timeoutMs?: number;
  /** Extra attempts for network errors, 429 and 5xx, on safe or idempotent calls (default 2). */
  readonly retries?: number;
  /** First backoff delay (default 200 ms), doubled each retry, with jitter; Retry-After wins. */
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly clock?: Clock;
  readonly idempotencyKey?: () => string;
}

const money = z.object({ amount: z.number(), currency: z.string() });
const profileSchema = z.object({
  casinoPlayerId: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string().optional(),
  country: z.string(),
  language: z.string().optional(),
  currency: z.string(),
  vipTier: z.enum(['none', 'bronze', 'silver', 'gold', 'platinum', 'diamond']),
  kycStatus: z.enum(['not_started', 'pending', 'approved', 'rejected']),
  responsibleGambling: z.object({ selfExcluded: z.boolean(), coolOffUntil: z.string().optional(), depositLimit: money.optional() }),
  registeredAt: z.string(),
});
const depositSchema = z.object({
  id: z.string(),
  amount: money,
  method: z.string(),
  state: z.enum(['pending', 'credited', 'failed', 'reversed']),
  createdAt: z.string(),
  failureReason: z.string().optional(),
});
const withdrawalSchema = z.object({
  id: z.string(),
  amount: money,
  method: z.string(),
  state: z.enum(['pending', 'approved', 'processing', 'paid', 'rejected', 'cancelled']),
  createdAt: z.string(),
  expectedBy: z.string().optional(),
  rejectionReason: z.string().optional(),
});
const bonusSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['deposit_match', 'free_spins', 'cashback', 'no_deposit']),
  amount: money.optional(),
  freeSpins: z.number().optional(),
  wagering: z.object({ required: money, progress: money }),
  expiresAt: z.string(),
  state: z.enum(['active', 'completed', 'expired', 'forfeited']),
});
const kycSchema = z.object({
  status: z.enum(['not_started', 'pending', 'approved', 'rejected']),
  missingDocuments: z.array(z.enum(['passport', 'id_card', 'driving_licence', 'utility_bill', 'bank_statement', 'selfie'])),
  rejectionReason: z.string().optional(),
  submittedAt: z.string().optional(),
});
const vipSchema = z.object({
  tier: z.enum(['none', 'bronze', 'silver', 'gold', 'platinum', 'diamond']),
  manager: z.object({ name: z.string(), agentId: z.string().optional() }).nullable(),
  points: z.number(),
});

export class HttpBackOffice implements BackOffice {
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpBackOfficeOptions) {
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async findPlayer(query: { casinoPlayerId?: string; email?: string; phone?: string }): Promise<PlayerProfile | null> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
    try {
      return strip(await this.#call('GET', `/players?${params.toString()}`, profileSchema));
    } catch (error) {
      if (error instanceof CroupierError && error.code === 'CROUPIER_CRM_NOT_FOUND') return null;
      throw error;
    }
  }

  async getBalance(playerId: string): Promise<{ balance: Money; bonus: Money }> {
    return this.#call('GET', `/players/${enc(playerId)}/balance`, z.object({ balance: money, bonus: money }));
  }

  async getVip(playerId: string): Promise<Vip> {
    return strip(await this.#call('GET', `/players/${enc(playerId)}/vip`, vipSchema));
  }

  async getKyc(playerId: string): Promise<Kyc> {
    return strip(await this.#call('GET', `/players/${enc(playerId)}/kyc`, kycSchema));
  }

  async listDeposits(playerId: string, options: { limit?: number } = {}): Promise<Deposit[]> {
    return (await this.#call('GET', `/players/${enc(playerId)}/deposits?limit=${options.limit ?? 10}`, z.array(depositSchema))).map(strip);
  }

  async listWithdrawals(playerId: string, options: { limit?: number } = {}): Promise<Withdrawal[]> {
    return (await this.#call('GET', `/players/${enc(playerId)}/withdrawals?limit=${options.limit ?? 10}`, z.array(withdrawalSchema))).map(
      strip,
    );
  }

  async listBonuses(playerId: string): Promise<Bonus[]> {
    return (await this.#call('GET', `/players/${enc(playerId)}/bonuses`, z.array(bonusSchema))).map(strip);
  }

  async sendPasswordReset(playerId: string): Promise<{ sentTo: string }> {
    return this.#call('POST', `/players/${enc(playerId)}/password-reset`, z.object({ sentTo: z.string() }), {}, true);
  }

  async sendVerificationCode(playerId: string, channel: 'email' | 'sms'): Promise<{ sentTo: string; expiresAt: string }> {
    return this.#call(
      'POST',
      `/players/${enc(playerId)}/verification-codes`,
      z.object({ sentTo: z.string(), expiresAt: z.string() }),
      { channel },
      true,
    );
  }

  async checkVerificationCode(playerId: string, code: string): Promise<CodeCheck> {
    const answer = await this.#call(
      'POST',
      `/players/${enc(playerId)}/verification-codes/check`,
      z.object({ result: z.enum(['valid', 'invalid', 'expired', 'too_many_attempts']) }),
      { code },
      false,
    );
    return answer.result;
  }

  /** One call with timeout, retries for what is safe to repeat, and error mapping. */
  async #call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    body?: unknown,
    idempotent = method === 'GET',
  ): Promise<z.output<S>> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}${path}`;
    const where = `${method} ${path.split('?')[0] ?? path}`;
    const retries = idempotent ? (this.options.retries ?? 2) : 0;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) {
      const header = (this.options.apiKeyHeader ?? 'authorization').toLowerCase();
      headers[header] = header === 'authorization' ? `Bearer ${this.options.apiKey}` : this.options.apiKey;
    }
    if (method === 'POST' && idempotent) headers['idempotency-key'] = this.options.idempotencyKey?.() ?? crypto.randomUUID();

    let lastError: CroupierError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const response = await this.#fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
        });
        if (response.ok) {
          let json: unknown;
          try {
            json = await response.json();
          } catch {
            throw new CroupierError('CROUPIER_CRM_UNAVAILABLE', `back office answered ${where} with something that is not JSON`);
          }
          const parsed = schema.safeParse(json);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new CroupierError(
              'CROUPIER_CRM_UNAVAILABLE',
              `back office answered ${where} with an unexpected shape (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
            );
          }
          return parsed.data;
        }
        if (response.status === 404) throw new CroupierError('CROUPIER_CRM_NOT_FOUND', `back office: ${where} not found`);
        if (response.status !== 429 && response.status < 500)
          throw new CroupierError('CROUPIER_CRM_REJECTED', `back office refused ${where} with HTTP ${response.status}`);
        lastError = new CroupierError('CROUPIER_CRM_UNAVAILABLE', `back office answered ${where} with HTTP ${response.status}`);
        const retryAfter = response.headers.get('retry-after');
        if (retryAfter !== null)
          retryAfterMs = Number.isFinite(Number(retryAfter))
            ? Number(retryAfter) * 1000
            : Math.max(0, Date.parse(retryAfter) - (this.options.clock ?? systemClock).now().getTime());
      } catch (error) {
        if (error instanceof CroupierError) {
          if (error.code !== 'CROUPIER_CRM_UNAVAILABLE' || !error.message.includes('HTTP')) throw error;
          lastError = error;
        } else if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
          lastError = new CroupierError(
            'CROUPIER_CRM_TIMEOUT',
            `back office did not answer ${where} within ${this.options.timeoutMs ?? 3000} ms`,
          );
        } else {
          lastError = new CroupierError('CROUPIER_CRM_UNAVAILABLE', `cannot reach the back office for ${where}`, { cause: error });
        }
      }
      if (attempt < retries) {
        const base = (this.options.backoffMs ?? 200) * 2 ** attempt;
        const jitter = base * 0.5 * (this.options.random ?? Math.random)();
        await this.#sleep(retryAfterMs ?? base + jitter);
      }
    }
    throw lastError ?? new CroupierError('CROUPIER_CRM_UNAVAILABLE', `back office call ${where} failed`);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** Drops keys whose value is undefined, so results match the exact optional types. */
function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
