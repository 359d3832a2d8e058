/**
 * The casino's back office as Croupier sees it: who a player is and what is on their account.
 * Implementations: the demo directory (default, src/crm/demo-back-office.ts) and the HTTP client
 * for a real back office (src/crm/http-back-office.ts). Flows reach it through named actions
 * (`crm.withdrawals`…, see actions.ts), never directly.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export type VipTier = 'none' | 'bronze' | 'silver' | 'gold' | 'platinum' | 'diamond';
export type KycStatus = 'not_started' | 'pending' | 'approved' | 'rejected';
export type DocumentKind = 'passport' | 'id_card' | 'driving_licence' | 'utility_bill' | 'bank_statement' | 'selfie';

export interface PlayerProfile {
  readonly casinoPlayerId: string;
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly country: string;
  readonly language?: string;
  readonly currency: string;
  readonly vipTier: VipTier;
  readonly kycStatus: KycStatus;
  readonly responsibleGambling: { readonly selfExcluded: boolean; readonly coolOffUntil?: string; readonly depositLimit?: Money };
  readonly registeredAt: string;
}

export interface Deposit {
  readonly id: string;
  readonly amount: Money;
  readonly method: string;
  readonly state: 'pending' | 'credited' | 'failed' | 'reversed';
  readonly createdAt: string;
  readonly failureReason?: string;
}

export interface Withdrawal {
  readonly id: string;
  readonly amount: Money;
  readonly method: string;
  readonly state: 'pending' | 'approved' | 'processing' | 'paid' | 'rejected' | 'cancelled';
  readonly createdAt: string;
  readonly expectedBy?: string;
  readonly rejectionReason?: string;
}

export interface Bonus {
  readonly id: string;
  readonly name: string;
  readonly kind: 'deposit_match' | 'free_spins' | 'cashback' | 'no_deposit';
  readonly amount?: Money;
  readonly freeSpins?: number;
  readonly wagering: { readonly required: Money; readonly progress: Money };
  readonly expiresAt: string;
  readonly state: 'active' | 'completed' | 'expired' | 'forfeited';
}

export interface Kyc {
  readonly status: KycStatus;
  readonly missingDocuments: readonly DocumentKind[];
  readonly rejectionReason?: string;
  readonly submittedAt?: string;
}

export interface Vip {
  readonly tier: VipTier;
  readonly manager: { readonly name: string; readonly agentId?: string } | null;
  readonly points: number;
}

export type CodeCheck = 'valid' | 'invalid' | 'expired' | 'too_many_attempts';

export interface BackOffice {
  findPlayer(query: { casinoPlayerId?: string; email?: string; phone?: string }): Promise<PlayerProfile | null>;
  getBalance(playerId: string): Promise<{ balance: Money; bonus: Money }>;
  getVip(playerId: string): Promise<Vip>;
  getKyc(playerId: string): Promise<Kyc>;
  listDeposits(playerId: string, options?: { limit?: number }): Promise<Deposit[]>;
  listWithdrawals(playerId: string, options?: { limit?: number }): Promise<Withdrawal[]>;
  listBonuses(playerId: string): Promise<Bonus[]>;
  /** Sends a reset link to the account's e-mail; returns the masked address. */
  sendPasswordReset(playerId: string): Promise<{ sentTo: string }>;
  sendVerificationCode(playerId: string, channel: 'email' | 'sms'): Promise<{ sentTo: string; expiresAt: string }>;
  checkVerificationCode(playerId: string, code: string): Promise<CodeCheck>;
}

/** "ana.garcia@example.com" → "a***@example.com" */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}
