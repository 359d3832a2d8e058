import { CroupierError } from '../core/errors.js';
import type { BackOfficePort } from '../dialogue/ports.js';
import type { BackOffice, Deposit, Withdrawal } from './back-office.js';

/**
 * The back-office actions a flow's `call` step may name, each returning plain, snake_case data that
 * content teams use in conditions and texts (`slots.wd.pending_count > 0`,
 * `{slots.wd.latest.amount|money}`). Adding an action here makes it known to `croupier validate`.
 */
type Action = (
  backOffice: BackOffice,
  args: Readonly<Record<string, string>>,
  player: { casinoPlayerId: string | null },
) => Promise<Record<string, unknown>>;

const verified = (player: { casinoPlayerId: string | null }): string => {
  if (!player.casinoPlayerId)
    throw new CroupierError('CROUPIER_CRM_UNVERIFIED', 'this action needs a verified player; put a `verify: player` step before it');
  return player.casinoPlayerId;
};

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

export const BACK_OFFICE_ACTIONS: Readonly<Record<string, Action>> = {
  'crm.balance': async (bo, _args, player) => {
    const { balance, bonus } = await bo.getBalance(verified(player));
    return { balance, bonus };
  },
  'crm.vip': async (bo, _args, player) => {
    const vip = await bo.getVip(verified(player));
    return { tier: vip.tier, manager: vip.manager, points: vip.points };
  },
  'crm.kyc': async (bo, _args, player) => {
    const kyc = await bo.getKyc(verified(player));
    return {
      status: kyc.status,
      missing: kyc.missingDocuments.map((kind) => kind.replace(/_/g, ' ')),
      missing_count: kyc.missingDocuments.length,
      rejection_reason: kyc.rejectionReason ?? null,
    };
  },
  'crm.deposits': async (bo, args, player) => {
    const items = (await bo.listDeposits(verified(player), { limit: Number(args['limit'] ?? 5) })).map(deposit);
    return { count: items.length, latest: items[0] ?? null, failed_count: items.filter((d) => d.state === 'failed').length, items };
  },
  'crm.withdrawals': async (bo, args, player) => {
    const items = (await bo.listWithdrawals(verified(player), { limit: Number(args['limit'] ?? 5) })).map(withdrawal);
    return {
      count: items.length,
      pending_count: items.filter((w) => w.state === 'pending' || w.state === 'processing').length,
      latest: items[0] ?? null,
      items,
    };
  },
  'crm.bonuses': async (bo, _args, player) => {
    const bonuses = await bo.listBonuses(verified(player));
    const active = bonuses.find((b) => b.state === 'active');
    const percent =
      active && active.wagering.required.amount > 0
        ? Math.min(100, Math.round((active.wagering.progress.amount / active.wagering.required.amount) * 100))
        : null;
    return {
      count: bonuses.length,
      active: active
        ? {
            id: active.id,
            name: active.name,
            kind: active.kind,
            free_spins: active.freeSpins ?? null,
            wagering: active.wagering,
            expires_at: active.expiresAt,
          }
        : null,
      wagering_percent: percent,
    };
  },
  // Never says whether the address has an account: the answer is the same either way.
  'crm.password_reset': async (bo, args) => {
    const account = args['email'] ? await bo.findPlayer({ email: args['email'] }) : null;
    if (!account) return { sent: false };
    const { sentTo } = await bo.sendPasswordReset(account.casinoPlayerId);
    return { sent: true, sent_to: sentTo };
  },
  'crm.find_player': async (bo, args) => {
    const found = await bo.findPlayer({
      ...(args['email'] ? { email: args['email'] } : {}),
      ...(args['phone'] ? { phone: args['phone'] } : {}),
    });
    return { found: found !== null };
  },
  'crm.send_code': async (bo, _args, player) => {
    const sent = await bo.sendVerificationCode(verified(player), 'email');
    return { sent_to: sent.sentTo, expires_at: sent.expiresAt };
  },
  'crm.check_code': async (bo, args, player) => ({ result: await bo.checkVerificationCode(verified(player), args['code'] ?? '') }),
};

export const BACK_OFFICE_ACTION_NAMES: ReadonlySet<string> = new Set(Object.keys(BACK_OFFICE_ACTIONS));

/** Adapts a {@link BackOffice} to what the dialogue engine needs. */
export function backOfficePort(backOffice: BackOffice): BackOfficePort {
  return {
    actions: BACK_OFFICE_ACTION_NAMES,
    async runAction(name, args, player) {
      const action = BACK_OFFICE_ACTIONS[name];
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
