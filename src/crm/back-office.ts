/**
 * The casino's back office as Croupier sees it: who a player is and what is on their account.
 * Implementations: the demo directory (default, src/crm/demo-back-office.ts) and the HTTP client
 * for a real back office (src/crm/http-back-office.ts). Flows reach it through named actions
 * (`crm.withdrawals`…, see {@link BACK_OFFICE_ACTIONS}), never directly.
 *
 * Every method fails with a `CroupierError` (src/core/errors.ts) carrying a stable code, so a flow's `on_error`
 * branch and the logs can tell the cases apart: `CROUPIER_CRM_NOT_FOUND` (no such player),
 * `CROUPIER_CRM_TIMEOUT`, `CROUPIER_CRM_UNAVAILABLE` (unreachable, 5xx, malformed answer) and
 * `CROUPIER_CRM_REJECTED` (the back office refused the request).
 *
 * @example const { amount, currency, bonus } = await backOffice.getBalance('P-1001')
 */
export { BACK_OFFICE_ACTIONS, BACK_OFFICE_ACTION_NAMES, isBackOfficeAction, type BackOfficeAction } from './actions.js';

/** An amount in a currency (ISO 4217 code such as `EUR`); amounts are in major units (12.5 = €12.50). */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export type VipTier = 'none' | 'bronze' | 'silver' | 'gold' | 'platinum' | 'diamond';
export type KycStatus = 'not_started' | 'pending' | 'approved' | 'rejected';
export type DocumentKind = 'passport' | 'id_card' | 'driving_licence' | 'utility_bill' | 'bank_statement' | 'selfie';
export type DepositState = 'pending' | 'credited' | 'failed' | 'reversed';
export type WithdrawalState = 'pending' | 'approved' | 'processing' | 'paid' | 'rejected' | 'cancelled';
export type BonusKind = 'deposit_match' | 'free_spins' | 'cashback' | 'no_deposit';
export type BonusState = 'active' | 'completed' | 'expired' | 'forfeited';
export type CodeChannel = 'email' | 'sms';
export type CodeCheck = 'valid' | 'invalid' | 'expired' | 'too_many_attempts';

export interface PlayerProfile {
  /** The casino's own id for the player (`P-1001`), the key of every other method. */
  readonly casinoPlayerId: string;
  readonly name: string;
  readonly email: string;
  /** E.164, e.g. `+34600123456`. */
  readonly phone?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** Preferred language (`en`, `es`, `de`, `ru`, `ro`…), when the casino knows it. */
  readonly language?: string;
  /** The account currency, ISO 4217. */
  readonly currency: string;
  readonly vipTier: VipTier;
  readonly kycStatus: KycStatus;
  /** Regulated limits: a self-excluded or cooling-off player is never offered bonuses. */
  readonly responsibleGambling: {
    readonly selfExcluded: boolean;
    /** ISO 8601; present while a cool-off period runs. */
    readonly coolOffUntil?: string;
    readonly depositLimit?: Money;
  };
  /** ISO 8601. */
  readonly registeredAt: string;
}

/** Real-money balance (`amount`, `currency`) plus the bonus balance that is still wagering-locked. */
export type Balance = Money & { readonly bonus: Money };

export interface Vip {
  readonly tier: VipTier;
  /** The personal manager, if the player has one; `agentId` links to an agent in the console. */
  readonly manager: { readonly name: string; readonly agentId?: string } | null;
  readonly points: number;
}

export interface Kyc {
  readonly status: KycStatus;
  /** What the player still has to upload (empty when approved). */
  readonly missingDocuments: readonly DocumentKind[];
  /** Why the last submission was refused, in words an agent can repeat to the player. */
  readonly rejectionReason?: string;
  /** ISO 8601 time of the last submission. */
  readonly submittedAt?: string;
}

export interface Deposit {
  readonly id: string;
  readonly amount: Money;
  /** Payment method as the player knows it: `Visa`, `Skrill`, `USDT`… */
  readonly method: string;
  readonly state: DepositState;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly failureReason?: string;
}

export interface Withdrawal {
  readonly id: string;
  readonly amount: Money;
  readonly method: string;
  readonly state: WithdrawalState;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601: when the money should arrive (or arrived, once paid). */
  readonly expectedBy?: string;
  readonly rejectionReason?: string;
}

export interface Bonus {
  readonly id: string;
  readonly name: string;
  readonly kind: BonusKind;
  readonly amount?: Money;
  readonly freeSpins?: number;
  /** How much must be wagered before the bonus turns into real money, and how much has been. */
  readonly wagering: { readonly required: Money; readonly progress: Money };
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly state: BonusState;
}

export interface PlayerQuery {
  readonly casinoPlayerId?: string;
  readonly email?: string;
  readonly phone?: string;
}

/**
 * What the flow engine may ask the casino's back office. Every `playerId` is a `casinoPlayerId`;
 * an unknown one fails with `CROUPIER_CRM_NOT_FOUND` (except {@link BackOffice.findPlayer}, which answers null).
 * Implementations never log personal data or secrets and never put them in error messages.
 *
 * @example const player = await backOffice.findPlayer({ email: 'ana@example.com' })
 */
export interface BackOffice {
  /** Looks a player up by casino id, e-mail (case-insensitive) or phone; null when nobody matches. */
  findPlayer(query: PlayerQuery): Promise<PlayerProfile | null>;
  /** Real-money and bonus balance, in the account currency. */
  getBalance(playerId: string): Promise<Balance>;
  /** VIP tier, personal manager (if any) and loyalty points. */
  getVip(playerId: string): Promise<Vip>;
  /** Verification (KYC) status and what is still missing. */
  getKyc(playerId: string): Promise<Kyc>;
  /** Recent deposits, newest first (`limit` defaults to 10). */
  listDeposits(playerId: string, options?: { limit?: number }): Promise<Deposit[]>;
  /** Recent withdrawals, newest first (`limit` defaults to 10). */
  listWithdrawals(playerId: string, options?: { limit?: number }): Promise<Withdrawal[]>;
  /** The player's bonuses, active ones included. */
  listBonuses(playerId: string): Promise<Bonus[]>;
  /** Sends a reset link to the account's e-mail; returns the masked address (`a***@example.com`). */
  sendPasswordReset(playerId: string): Promise<{ sentTo: string }>;
  /**
   * Sends a one-time code by e-mail or SMS, replacing any earlier one; returns the masked
   * destination and when the code expires (ISO 8601).
   */
  sendVerificationCode(playerId: string, channel: CodeChannel): Promise<{ sentTo: string; expiresAt: string }>;
  /** Checks a one-time code; a valid code is used up, too many wrong tries lock it. */
  checkVerificationCode(playerId: string, code: string): Promise<CodeCheck>;
}

/** "ana.garcia@example.com" → "a***@example.com" */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  return `${email.slice(0, 1)}***@${email.slice(at + 1)}`;
}

/** "+34600123456" → "+*********56" */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `${phone.trim().startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}
