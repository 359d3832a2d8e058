import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backOfficePort } from '../../src/crm/actions.js';
import { BACK_OFFICE_ACTIONS, isBackOfficeAction, type BackOffice } from '../../src/crm/back-office.js';
import { DemoBackOffice } from '../../src/crm/demo-back-office.js';

const NOW = '2026-05-10T12:00:00.000Z';
const make = () => new DemoBackOffice(new ManualClock(NOW), { random: () => 0.5 });

function runner(bo: BackOffice = make()) {
  return (name: string, player: string | null, args: Record<string, string> = {}) => {
    const action = BACK_OFFICE_ACTIONS[name];
    if (!action) throw new Error(`no action ${name}`);
    return action(bo, args, { casinoPlayerId: player });
  };
}

describe('back-office actions', () => {
  it('are the ten documented names', () => {
    expect(Object.keys(BACK_OFFICE_ACTIONS).sort()).toEqual(
      [
        'crm.balance',
        'crm.bonuses',
        'crm.check_code',
        'crm.deposits',
        'crm.find_player',
        'crm.kyc',
        'crm.password_reset',
        'crm.send_code',
        'crm.vip',
        'crm.withdrawals',
      ].sort(),
    );
    expect(isBackOfficeAction('crm.withdrawals')).toBe(true);
    expect(isBackOfficeAction('crm.nope')).toBe(false);
    expect(isBackOfficeAction('toString')).toBe(false);
    expect(Object.isFrozen(BACK_OFFICE_ACTIONS)).toBe(true);
  });

  it('crm.withdrawals: count, pending_count, latest and items, snake_case, nulls not undefined', async () => {
    const run = runner();
    expect(await run('crm.withdrawals', 'P-1003')).toEqual({
      count: 1,
      pending_count: 1,
      latest: {
        id: 'W-7003',
        amount: { amount: 450, currency: 'EUR' },
        method: 'Skrill',
        state: 'pending',
        created_at: '2026-05-06T12:00:00.000Z',
        expected_by: '2026-05-11T12:00:00.000Z',
        rejection_reason: null,
      },
      items: [expect.objectContaining({ id: 'W-7003' })],
    });
    expect(await run('crm.withdrawals', 'P-1004')).toMatchObject({ pending_count: 0, latest: { state: 'paid' } });
    expect(await run('crm.withdrawals', 'P-1010')).toMatchObject({
      latest: { state: 'rejected', rejection_reason: expect.any(String) as unknown },
    });
    expect(await run('crm.withdrawals', 'P-1012')).toEqual({ count: 0, pending_count: 0, latest: null, items: [] });
  });

  it('crm.deposits: failed and pending counts, latest with failure_reason', async () => {
    const run = runner();
    expect(await run('crm.deposits', 'P-1005')).toMatchObject({
      count: 1,
      failed_count: 1,
      pending_count: 0,
      latest: { state: 'failed', failure_reason: expect.stringContaining('3-D Secure') as unknown },
    });
    expect(await run('crm.deposits', 'P-1006')).toMatchObject({ pending_count: 1, latest: { state: 'pending', failure_reason: null } });
    expect(await run('crm.deposits', 'P-1012')).toEqual({ count: 0, pending_count: 0, failed_count: 0, latest: null, items: [] });
  });

  it('read the limit argument as a number, falling back to the default for nonsense', async () => {
    const limits: (number | undefined)[] = [];
    const bo = make();
    const spy: BackOffice = Object.assign(Object.create(bo) as BackOffice, {
      listDeposits: async (id: string, options?: { limit?: number }) => {
        limits.push(options?.limit);
        return bo.listDeposits(id, options);
      },
    });
    const run = runner(spy);
    for (const limit of ['2', 'abc', '0', '1000']) await run('crm.deposits', 'P-1001', { limit });
    await run('crm.deposits', 'P-1001');
    expect(limits).toEqual([2, 5, 5, 50, 5]);
  });

  it('crm.kyc: status, readable missing list, count, reason', async () => {
    const run = runner();
    expect(await run('crm.kyc', 'P-1002')).toEqual({
      status: 'pending',
      missing: ['selfie', 'utility bill'],
      missing_count: 2,
      rejection_reason: null,
      submitted_at: '2026-05-09T12:00:00.000Z',
    });
    expect(await run('crm.kyc', 'P-1011')).toMatchObject({
      status: 'rejected',
      rejection_reason: expect.stringContaining('blurry') as unknown,
    });
    expect(await run('crm.kyc', 'P-1001')).toMatchObject({ status: 'approved', missing: [], missing_count: 0 });
  });

  it('crm.bonuses: active bonus and wagering_percent', async () => {
    const run = runner();
    expect(await run('crm.bonuses', 'P-1007')).toMatchObject({
      count: 1,
      active_count: 1,
      wagering_percent: 50,
      active: { name: 'Welcome bonus 100%', kind: 'deposit_match', free_spins: null, amount: { amount: 100, currency: 'USD' } },
    });
    expect(await run('crm.bonuses', 'P-1008')).toMatchObject({
      active: { kind: 'free_spins', free_spins: 50, amount: null, expires_at: '2026-05-11T12:00:00.000Z' },
      wagering_percent: 13,
    });
    expect(await run('crm.bonuses', 'P-1012')).toEqual({ count: 0, active_count: 0, active: null, wagering_percent: null, items: [] });
  });

  it('crm.balance and crm.vip', async () => {
    const run = runner();
    expect(await run('crm.balance', 'P-1001')).toEqual({
      balance: { amount: 25_480.5, currency: 'EUR' },
      bonus: { amount: 0, currency: 'EUR' },
    });
    expect(await run('crm.vip', 'P-1001')).toEqual({
      tier: 'diamond',
      manager: { name: 'Elena', agentId: 'agent-elena' },
      has_manager: true,
      points: 182_300,
    });
    expect(await run('crm.vip', 'P-1002')).toEqual({ tier: 'gold', manager: null, has_manager: false, points: 24_100 });
  });

  it('crm.send_code and crm.check_code', async () => {
    const run = runner();
    expect(await run('crm.send_code', 'P-1003')).toEqual({ sent_to: 'j***@example.com', expires_at: '2026-05-10T12:10:00.000Z' });
    expect(await run('crm.send_code', 'P-1003', { channel: 'sms' })).toMatchObject({ sent_to: '+***********78' });
    expect(await run('crm.check_code', 'P-1003', { code: '123456' })).toEqual({ result: 'invalid', valid: false });
    expect(await run('crm.check_code', 'P-1003', { code: ' 500000 ' })).toEqual({ result: 'valid', valid: true });
  });

  it('crm.find_player and crm.password_reset never reveal whether an address has an account', async () => {
    const run = runner();
    expect(await run('crm.find_player', null, { email: 'emily.clarke@example.com' })).toEqual({ found: true });
    expect(await run('crm.find_player', null, { phone: '+40721123456' })).toEqual({ found: true });
    expect(await run('crm.find_player', null, {})).toEqual({ found: false });
    expect(await run('crm.password_reset', null, { email: 'nobody@example.com' })).toEqual({ sent: false, sent_to: null });
    expect(await run('crm.password_reset', null, { email: 'lucia.garcia@example.com' })).toEqual({
      sent: true,
      sent_to: 'l***@example.com',
    });
    expect(await run('crm.password_reset', 'P-1004')).toEqual({ sent: true, sent_to: 'e***@example.com' });
    expect(await run('crm.password_reset', null)).toEqual({ sent: false, sent_to: null });
  });

  it('refuse account data without a verified player (CROUPIER_CRM_UNVERIFIED)', async () => {
    const run = runner();
    for (const name of [
      'crm.balance',
      'crm.vip',
      'crm.kyc',
      'crm.deposits',
      'crm.withdrawals',
      'crm.bonuses',
      'crm.send_code',
      'crm.check_code',
    ])
      await expect(run(name, null)).rejects.toMatchObject({ code: 'CROUPIER_CRM_UNVERIFIED' });
  });

  it('pass back-office errors through with their codes', async () => {
    await expect(runner()('crm.balance', 'P-9999')).rejects.toMatchObject({ code: 'CROUPIER_CRM_NOT_FOUND' });
  });
});

describe('backOfficePort', () => {
  it('maps profiles, e-mail lookup and codes for the dialogue engine', async () => {
    const port = backOfficePort(make());
    expect(port.actions.has('crm.kyc')).toBe(true);
    expect(await port.profile('P-1010')).toEqual({
      casino_player_id: 'P-1010',
      name: 'Thomas Müller',
      first_name: 'Thomas',
      vip_tier: 'silver',
      kyc_status: 'approved',
      currency: 'EUR',
      country: 'AT',
      language: 'de',
      self_excluded: false,
      cool_off_until: '2026-05-15T12:00:00.000Z',
    });
    expect(await port.profile('P-9999')).toBeNull();
    expect(await port.findByEmail('emily.clarke@example.com')).toEqual({ casinoPlayerId: 'P-1004' });
    expect(await port.sendCode('P-1004')).toEqual({ sentTo: 'e***@example.com' });
    expect(await port.checkCode('P-1004', '500000')).toBe('valid');
    expect(await port.runAction('crm.vip', {}, { casinoPlayerId: 'P-1004' })).toMatchObject({ tier: 'bronze' });
    for (const name of ['crm.nope', 'toString'])
      await expect(port.runAction(name, {}, { casinoPlayerId: 'P-1004' })).rejects.toMatchObject({ code: 'CROUPIER_CONTENT_INVALID' });
  });
});
