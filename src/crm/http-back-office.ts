import { z } from 'zod';
import { systemClock, type Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import type {
  Balance,
  BackOffice,
  Bonus,
  CodeChannel,
  CodeCheck,
  Deposit,
  Kyc,
  PlayerProfile,
  PlayerQuery,
  Vip,
  Withdrawal,
} from './back-office.js';

/**
 * The back office over HTTP: the REST contract an operator implements (or puts a thin proxy in
 * front of) to connect Croupier to the casino platform. JSON bodies; times are ISO 8601 strings
 * with a zone (`2026-05-10T12:00:00Z`); money is `{ amount, currency }` in major units.
 *
 *   GET  /players?casinoPlayerId=…|email=…|phone=…   → PlayerProfile            (404: nobody matches)
 *   GET  /players/{id}/balance                       → { amount, currency, bonus: Money }
 *   GET  /players/{id}/vip                           → { tier, manager: { name, agentId? } | null, points }
 *   GET  /players/{id}/kyc                           → { status, missingDocuments: [...], rejectionReason?, submittedAt? }
 *   GET  /players/{id}/deposits?limit=n              → Deposit[]    (newest first)
 *   GET  /players/{id}/withdrawals?limit=n           → Withdrawal[] (newest first)
 *   GET  /players/{id}/bonuses                       → Bonus[]
 *   POST /players/{id}/password-reset                → { sentTo }              (Idempotency-Key header)
 *   POST /players/{id}/verification-codes  { channel } → { sentTo, expiresAt }  (Idempotency-Key header)
 *   POST /players/{id}/verification-codes/check  { code } → { result: valid | invalid | expired | too_many_attempts }
 *
 * Authentication: the API key in `Authorization: Bearer <key>`, or raw in the header named by
 * `apiKeyHeader`. Unknown response fields are ignored, so the back office may send more.
 *
 * Retries (network errors, 429, 5xx) only where repeating is safe: GETs, and the two POSTs that carry
 * an Idempotency-Key (the same key on every attempt; the back office must answer a repeated key
 * with the first result). Set `idempotentPosts: false` if it cannot, and those POSTs are sent once.
 * A code check is never retried: a repeat would count as a second attempt. Timeouts are not retried
 * either: a turn must not wait `retries × timeoutMs` for a back office that is already slow.
 *
 * Failures map to stable codes the flows' error branches see: timeout → CROUPIER_CRM_TIMEOUT;
 * network errors, 429 and 5xx after the retries, or an answer that is not the documented shape →
 * CROUPIER_CRM_UNAVAILABLE; 404 → CROUPIER_CRM_NOT_FOUND (null for findPlayer); any other 4xx →
 * CROUPIER_CRM_REJECTED. Error messages name the method and path template only: never the API key,
 * a player id, an e-mail, a phone or a body.
 *
 * @example new HttpBackOffice({ baseUrl: 'https://bo.example.com/api', apiKey: process.env.CROUPIER_BACK_OFFICE_KEY })
 */
export interface HttpBackOfficeOptions {
  /** Root of the REST contract, `http(s)://…`; paths are appended to it. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Header that carries the key (default `authorization`, sent as `Bearer <key>`; any other header gets the raw key). */
  readonly apiKeyHeader?: string;
  /** Per-attempt timeout, body included (default 3000 ms). */
  readonly timeoutMs?: number;
  /** Extra attempts after network errors, 429 and 5xx, for calls safe to repeat (default 2). */
  readonly retries?: number;
  /** First backoff delay (default 200 ms), doubled each retry, plus up to 50 % jitter; Retry-After wins. */
  readonly backoffMs?: number;
  /** A Retry-After longer than this (default 10 000 ms) is not waited for: the call fails at once. */
  readonly maxRetryAfterMs?: number;
  /** The back office honours Idempotency-Key on POST, so those POSTs may be retried (default true). */
  readonly idempotentPosts?: boolean;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Reads HTTP-date Retry-After values (default the system clock). */
  readonly clock?: Clock;
  readonly idempotencyKey?: () => string;
}

const isoTime = z.iso.datetime({ offset: true });
const money = z.object({ amount: z.number(), currency: z.string().min(1) });
const vipTier = z.enum(['none', 'bronze', 'silver', 'gold', 'platinum', 'diamond']);
const kycStatus = z.enum(['not_started', 'pending', 'approved', 'rejected']);

const profileSchema = z.object({
  casinoPlayerId: z.string().min(1),
  name: z.string(),
  email: z.string(),
  phone: z.string().optional(),
  country: z.string(),
  language: z.string().optional(),
  currency: z.string().min(1),
  vipTier,
  kycStatus,
  responsibleGambling: z.object({ selfExcluded: z.boolean(), coolOffUntil: isoTime.optional(), depositLimit: money.optional() }),
  registeredAt: isoTime,
});
const balanceSchema = money.extend({ bonus: money });
const vipSchema = z.object({
  tier: vipTier,
  manager: z.object({ name: z.string(), agentId: z.string().optional() }).nullable(),
  points: z.number(),
});
const kycSchema = z.object({
  status: kycStatus,
  missingDocuments: z.array(z.enum(['passport', 'id_card', 'driving_licence', 'utility_bill', 'bank_statement', 'selfie'])),
  rejectionReason: z.string().optional(),
  submittedAt: isoTime.optional(),
});
const depositSchema = z.object({
  id: z.string(),
  amount: money,
  method: z.string(),
  state: z.enum(['pending', 'credited', 'failed', 'reversed']),
  createdAt: isoTime,
  failureReason: z.string().optional(),
});
const withdrawalSchema = z.object({
  id: z.string(),
  amount: money,
  method: z.string(),
  state: z.enum(['pending', 'approved', 'processing', 'paid', 'rejected', 'cancelled']),
  createdAt: isoTime,
  expectedBy: isoTime.optional(),
  rejectionReason: z.string().optional(),
});
const bonusSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['deposit_match', 'free_spins', 'cashback', 'no_deposit']),
  amount: money.optional(),
  freeSpins: z.number().int().nonnegative().optional(),
  wagering: z.object({ required: money, progress: money }),
  expiresAt: isoTime,
  state: z.enum(['active', 'completed', 'expired', 'forfeited']),
});
const sentSchema = z.object({ sentTo: z.string() });
const codeSentSchema = z.object({ sentTo: z.string(), expiresAt: isoTime });
const codeCheckSchema = z.object({ result: z.enum(['valid', 'invalid', 'expired', 'too_many_attempts']) });

interface Call<S extends z.ZodType> {
  readonly method: 'GET' | 'POST';
  /** Path template for messages (`/players/{id}/balance`): never the player id or a query. */
  readonly route: string;
  readonly path: string;
  readonly schema: S;
  readonly body?: unknown;
  /** POST only: send an Idempotency-Key and allow retries. */
  readonly idempotent?: boolean;
}

/** A failed attempt, and whether trying again may help. */
class AttemptFailure {
  constructor(
    readonly error: CroupierError,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {}
}

export class HttpBackOffice implements BackOffice {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #timeoutMs: number;
  readonly #retries: number;

  constructor(private readonly options: HttpBackOfficeOptions) {
    if (!/^https?:\/\/[^/]/i.test(options.baseUrl) || !URL.canParse(options.baseUrl))
      throw new CroupierError('CROUPIER_CONFIG_INVALID', 'back office URL must be an absolute http(s) URL');
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#retries = options.retries ?? 2;
    if (!(this.#timeoutMs > 0)) throw new CroupierError('CROUPIER_CONFIG_INVALID', 'back office timeoutMs must be positive');
    if (!Number.isInteger(this.#retries) || this.#retries < 0)
      throw new CroupierError('CROUPIER_CONFIG_INVALID', 'back office retries must be a whole number ≥ 0');
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async findPlayer(query: PlayerQuery): Promise<PlayerProfile | null> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (typeof value === 'string' && value !== '') params.set(key, value);
    if (params.size === 0) return null;
    try {
      return await this.#call({ method: 'GET', route: '/players', path: `/players?${params.toString()}`, schema: profileSchema });
    } catch (error) {
      if (error instanceof CroupierError && error.code === 'CROUPIER_CRM_NOT_FOUND') return null;
      throw error;
    }
  }

  async getBalance(playerId: string): Promise<Balance> {
    return this.#get(playerId, '/balance', balanceSchema);
  }

  async getVip(playerId: string): Promise<Vip> {
    return this.#get(playerId, '/vip', vipSchema);
  }

  async getKyc(playerId: string): Promise<Kyc> {
    return this.#get(playerId, '/kyc', kycSchema);
  }

  async listDeposits(playerId: string, options: { limit?: number } = {}): Promise<Deposit[]> {
    return this.#get(playerId, '/deposits', z.array(depositSchema), limit(options.limit));
  }

  async listWithdrawals(playerId: string, options: { limit?: number } = {}): Promise<Withdrawal[]> {
    return this.#get(playerId, '/withdrawals', z.array(withdrawalSchema), limit(options.limit));
  }

  async listBonuses(playerId: string): Promise<Bonus[]> {
    return this.#get(playerId, '/bonuses', z.array(bonusSchema));
  }

  async sendPasswordReset(playerId: string): Promise<{ sentTo: string }> {
    return this.#post(playerId, '/password-reset', sentSchema, {}, true);
  }

  async sendVerificationCode(playerId: string, channel: CodeChannel): Promise<{ sentTo: string; expiresAt: string }> {
    return this.#post(playerId, '/verification-codes', codeSentSchema, { channel }, true);
  }

  async checkVerificationCode(playerId: string, code: string): Promise<CodeCheck> {
    return (await this.#post(playerId, '/verification-codes/check', codeCheckSchema, { code }, false)).result;
  }

  #get<S extends z.ZodType>(playerId: string, sub: string, schema: S, query = ''): Promise<z.output<S>> {
    return this.#call({
      method: 'GET',
      route: `/players/{id}${sub}`,
      path: `/players/${encodeURIComponent(playerId)}${sub}${query}`,
      schema,
    });
  }

  #post<S extends z.ZodType>(playerId: string, sub: string, schema: S, body: unknown, idempotent: boolean): Promise<z.output<S>> {
    const path = `/players/${encodeURIComponent(playerId)}${sub}`;
    return this.#call({ method: 'POST', route: `/players/{id}${sub}`, path, schema, body, idempotent });
  }

  /** One logical call: attempts with backoff for what is safe to repeat, then the last error. */
  async #call<S extends z.ZodType>(request: Call<S>): Promise<z.output<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) {
      const header = (this.options.apiKeyHeader ?? 'authorization').toLowerCase();
      headers[header] = header === 'authorization' ? `Bearer ${this.options.apiKey}` : this.options.apiKey;
    }
    const idempotentPost = request.method === 'POST' && request.idempotent === true && this.options.idempotentPosts !== false;
    if (idempotentPost) headers['idempotency-key'] = this.options.idempotencyKey?.() ?? crypto.randomUUID();
    const retries = request.method === 'GET' || idempotentPost ? this.#retries : 0;

    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(request, headers);
      if (!(outcome instanceof AttemptFailure)) return outcome.value;
      if (!outcome.retryable || attempt >= retries) throw outcome.error;
      const maxRetryAfter = this.options.maxRetryAfterMs ?? 10_000;
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > maxRetryAfter) throw outcome.error;
      const base = (this.options.backoffMs ?? 200) * 2 ** attempt;
      await this.#sleep(outcome.retryAfterMs ?? Math.round(base + base * 0.5 * (this.options.random ?? Math.random)()));
    }
  }

  async #attempt<S extends z.ZodType>(request: Call<S>, headers: Record<string, string>): Promise<{ value: z.output<S> } | AttemptFailure> {
    const where = `${request.method} ${request.route}`;
    const fail = (code: 'CROUPIER_CRM_UNAVAILABLE' | 'CROUPIER_CRM_TIMEOUT', message: string, retryable: boolean, cause?: unknown) =>
      new AttemptFailure(new CroupierError(code, message, cause === undefined ? {} : { cause }), retryable);
    const timedOut = (error: unknown) => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const timeout = () => fail('CROUPIER_CRM_TIMEOUT', `back office did not answer ${where} within ${this.#timeoutMs} ms`, false);

    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${request.path}`, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      if (timedOut(error)) return timeout();
      // The cause is the transport error (connection refused, DNS…): it names the host, not the request.
      return fail('CROUPIER_CRM_UNAVAILABLE', `cannot reach the back office for ${where}`, true, error);
    }

    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = response.status;
      if (status === 404) return new AttemptFailure(new CroupierError('CROUPIER_CRM_NOT_FOUND', `back office: ${where} not found`), false);
      if (status !== 429 && status < 500)
        return new AttemptFailure(new CroupierError('CROUPIER_CRM_REJECTED', `back office refused ${where} with HTTP ${status}`), false);
      const error = new CroupierError('CROUPIER_CRM_UNAVAILABLE', `back office answered ${where} with HTTP ${status}`, {
        details: { status },
      });
      return new AttemptFailure(error, true, this.#retryAfter(response.headers.get('retry-after')));
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (timedOut(error)) return timeout();
      return fail('CROUPIER_CRM_UNAVAILABLE', `back office connection broke while answering ${where}`, true, error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // No cause: a JSON parser's message quotes the body, which may hold personal data.
      return fail('CROUPIER_CRM_UNAVAILABLE', `back office answered ${where} with something that is not JSON`, false);
    }
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      return fail('CROUPIER_CRM_UNAVAILABLE', `back office answered ${where} with an unexpected shape (${at})`, false);
    }
    return { value: parsed.data };
  }

  /** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
  #retryAfter(header: string | null): number | undefined {
    if (header === null || header.trim() === '') return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - (this.options.clock ?? systemClock).now().getTime());
  }
}

function limit(value: number | undefined): string {
  return `?limit=${value !== undefined && Number.isInteger(value) && value > 0 ? value : 10}`;
}
