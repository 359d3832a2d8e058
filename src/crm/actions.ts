import { CroupierError } from '../core/errors.js';
import type { BackOfficePort } from '../dialogue/ports.js';
import type { BackOffice, Bonus, CodeChannel, Deposit, Withdrawal } from './back-office.js';

/**
 * A back-office action a flow's `call` step may name. It returns plain, snake_case data that content
 * teams use in conditions and texts (`slots.wd.pending_count > 0`, `{slots.wd.latest.amount|money}`);
 * absent values are `null`, never missing, so a condition never trips over `undefined`.
 */
export type BackOfficeAction = (
  backOffice: BackOffice,
  args: Readonly<Record<string, string>>,
  player: { readonly casinoPlayerId: string | null },
) => Promise<Record<string, unknown>>;

const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 50;

/** Account data is for verified players only (DESIGN.md): without one, the flow's error branch runs. */
function verified(player: { readonly casinoPlayerId: string | null }): string {
  if (!player.casinoPlayerId)
    throw new CroupierError('CROUPIER_CRM_UNVERIFIED', 'this action needs a verified player; put a `verify: player` step before it');
  return player.casinoPlayerId;
}

/** `limit` comes from YAML as text: anything that is not a whole number in 1..50 means the default. */
function limitOf(args: Readonly<Record<string, string>>): number {
  const limit = Number(args['limit']);
  return Number.isInteger(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT;
}

const withdrawal = (w: Withdrawal) => ({
  id: w.id,
  amount: w.amount,
  method: w.method,
  state: w.state,
  created_at: w.createdAt,
  expected_by: w.expectedBy ?? null,
  rejection_reason: w.rejectionReason ?? null,
});

const deposit = (d: Deposit) => ({
  id: d.id,
  amount: d.amount,
  method: d.method,
  state: d.state,
  created_at: d.createdAt,
  failure_reason: d.failureReason ?? null,
});

const bonus = (b: Bonus) => ({
  id: b.id,
  name: b.name,
  kind: b.kind,
  state: b.state,
  amount: b.amount ?? null,
  free_spins: b.freeSpins ?? null,
  wagering: b.wagering,
  expires_at: b.expiresAt,
});

/** 0–100, rounded; null when nothing has to be wagered. */
function wageringPercent(b: Bonus | undefined): number | null {
  if (!b || b.wagering.required.amount <= 0) return null;
  return Math.max(0, Math.min(100, Math.round((b.wagering.progress.amount / b.wagering.required.amount) * 100)));
}

/**
 * The actions flows use, by name. Result shapes (all keys always present):
 *
 * - `crm.find_player` (args `email` | `phone` | `casino_player_id`) → `{ found }`
 * - `crm.balance` → `{ balance: Money, bonus: Money }`
 * - `crm.vip` → `{ tier, manager: { name, agentId? } | null, has_manager, points }`
 * - `crm.kyc` → `{ status, missing: ['utility bill', …], missing_count, rejection_reason, submitted_at }`
 * - `crm.deposits` (arg `limit`, default 5) → `{ count, pending_count, failed_count, latest | null, items }`
 * - `crm.withdrawals` (arg `limit`, default 5) → `{ count, pending_count (not yet paid, rejected or cancelled), latest | null, items }`
 * - `crm.bonuses` → `{ count, active_count, active | null, wagering_percent | null, items }`
 * - `crm.password_reset` (arg `email`, or the verified player) → `{ sent, sent_to | null }`
 * - `crm.send_code` (arg `channel`: `email` default, or `sms`) → `{ sent_to, expires_at }`
 * - `crm.check_code` (arg `code`) → `{ result: valid | invalid | expired | too_many_attempts, valid }`
 *
 * Every action but `crm.find_player` and `crm.password_reset` needs a verified player and throws
 * `CROUPIER_CRM_UNVERIFIED` without one. Adding an action here makes it known to `croupier validate`.
 *
 * @example const wd = await BACK_OFFICE_ACTIONS['crm.withdrawals']!(backOffice, {}, { casinoPlayerId: 'P-1003' })
 */
export const BACK_OFFICE_ACTIONS: Readonly<Record<string, BackOfficeAction>> = Object.freeze({
  'crm.find_player': async (bo, args) => {
    const query = {
      ...(args['casino_player_id'] ? { casinoPlayerId: args['casino_player_id'] } : {}),
      ...(args['email'] ? { email: args['email'] } : {}),
      ...(args['phone'] ? { phone: args['phone'] } : {}),
    };
    if (Object.keys(query).length === 0) return { found: false };
    return { found: (await bo.findPlayer(query)) !== null };
  },
  'crm.balance': async (bo, _args, player) => {
    const { amount, currency, bonus } = await bo.getBalance(verified(player));
    return { balance: { amount, currency }, bonus };
  },
  'crm.vip': async (bo, _args, player) => {
    const vip = await bo.getVip(verified(player));
    return { tier: vip.tier, manager: vip.manager, has_manager: vip.manager !== null, points: vip.points };
  },
  'crm.kyc': async (bo, _args, player) => {
    const kyc = await bo.getKyc(verified(player));
    return {
      status: kyc.status,
      missing: kyc.missingDocuments.map((kind) => kind.replace(/_/g, ' ')),
      missing_count: kyc.missingDocuments.length,
      rejection_reason: kyc.rejectionReason ?? null,
      submitted_at: kyc.submittedAt ?? null,
    };
  },
  'crm.deposits': async (bo, args, player) => {
    const items = (await bo.listDeposits(verified(player), { limit: limitOf(args) })).map(deposit);
    return {
      count: items.length,
      pending_count: items.filter((d) => d.state === 'pending').length,
      failed_count: items.filter((d) => d.state === 'failed').length,
      latest: items[0] ?? null,
      items,
    };
  },
  'crm.withdrawals': async (bo, args, player) => {
    const items = (await bo.listWithdrawals(verified(player), { limit: limitOf(args) })).map(withdrawal);
    return {
      count: items.length,
      pending_count: items.filter((w) => w.state === 'pending' || w.state === 'approved' || w.state === 'processing').length,
      latest: items[0] ?? null,
      items,
    };
  },
  'crm.bonuses': async (bo, _args, player) => {
    const bonuses = await bo.listBonuses(verified(player));
    const active = bonuses.filter((b) => b.state === 'active');
    return {
      count: bonuses.length,
      active_count: active.length,
      active: active[0] ? bonus(active[0]) : null,
      wagering_percent: wageringPercent(active[0]),
      items: bonuses.map(bonus),
    };
  },
  // Never says whether an address has an account: the answer to the player is the same either way.
  'crm.password_reset': async (bo, args, player) => {
    const playerId = args['email'] ? (await bo.findPlayer({ email: args['email'] }))?.casinoPlayerId : player.casinoPlayerId;
    if (!playerId) return { sent: false, sent_to: null };
    const { sentTo } = await bo.sendPasswordReset(playerId);
    return { sent: true, sent_to: sentTo };
  },
  'crm.send_code': async (bo, args, player) => {
    const channel: CodeChannel = args['channel'] === 'sms' ? 'sms' : 'email';
    const sent = await bo.sendVerificationCode(verified(player), channel);
    return { sent_to: sent.sentTo, expires_at: sent.expiresAt };
  },
  'crm.check_code': async (bo, args, player) => {
    const result = await bo.checkVerificationCode(verified(player), (args['code'] ?? '').trim());
    return { result, valid: result === 'valid' };
  },
});

export const BACK_OFFICE_ACTION_NAMES: ReadonlySet<string> = new Set(Object.keys(BACK_OFFICE_ACTIONS));

/** True when `name` is an action a flow may call (`crm.balance`…). */
export function isBackOfficeAction(name: string): boolean {
  return BACK_OFFICE_ACTION_NAMES.has(name);
}

/**
 * Adapts a {@link BackOffice} to what the dialogue engine needs.
 * @example new FlowBot({ backOffice: backOfficePort(new DemoBackOffice(clock)), ... })
 */
export function backOfficePort(backOffice: BackOffice): BackOfficePort {
  return {
    actions: BACK_OFFICE_ACTION_NAMES,
    async runAction(name, args, player) {
      // Own names only: `toString` and friends are not actions.
      const action = isBackOfficeAction(name) ? BACK_OFFICE_ACTIONS[name] : undefined;
      if (!action) throw new CroupierError('CROUPIER_CONTENT_INVALID', `unknown back-office action "${name}"`);
      return action(backOffice, args, player);
    },
    async profile(casinoPlayerId) {
      const profile = await backOffice.findPlayer({ casinoPlayerId });
      if (!profile) return null;
      return {
        casino_player_id: profile.casinoPlayerId,
        name: profile.name,
        first_name: profile.name.split(' ')[0] ?? profile.name,
        vip_tier: profile.vipTier,
        kyc_status: profile.kycStatus,
        currency: profile.currency,
        country: profile.country,
        language: profile.language ?? null,
        self_excluded: profile.responsibleGambling.selfExcluded,
        cool_off_until: profile.responsibleGambling.coolOffUntil ?? null,
      };
    },
    async findByEmail(email) {
      const profile = await backOffice.findPlayer({ email });
      return profile ? { casinoPlayerId: profile.casinoPlayerId } : null;
    },
    async sendCode(casinoPlayerId) {
      return { sentTo: (await backOffice.sendVerificationCode(casinoPlayerId, 'email')).sentTo };
    },
    checkCode: (casinoPlayerId, code) => backOffice.checkVerificationCode(casinoPlayerId, code),
  };
}
