import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BACK_OFFICE_ACTIONS, backOfficePort } from '../../src/crm/actions.js';
import { DemoBackOffice } from '../../src/crm/demo-back-office.js';

const clock = () => new ManualClock('2026-05-10T12:00:00Z');

describe('demo back office', () => {
  it('has a dozen players covering the interesting cases', async () => {
    const bo = new DemoBackOffice(clock());
    const vip = await bo.getVip('P-1001');
    expect(vip).toMatchObject({ tier: 'diamond', manager: { name: 'Elena' } });
    expect((await bo.getKyc('P-1002')).missingDocuments).toEqual(['selfie', 'utility_bill']);
    const [pending] = await bo.listWithdrawals('P-1003');
    expect(pending).toMatchObject({ state: 'pending', createdAt: '2026-05-06T12:00:00.000Z' });
    expect((await bo.listDeposits('P-1005'))[0]?.state).toBe('failed');
    expect((await bo.listBonuses('P-1007'))[0]?.wagering.progress.amount).toBe(1750);
    expect((await bo.findPlayer({ casinoPlayerId: 'P-1009' }))?.responsibleGambling.selfExcluded).toBe(true);
    expect(await bo.findPlayer({ email: 'JONAS.WEBER@example.com ' })).toMatchObject({ casinoPlayerId: 'P-1003' });
    expect(await bo.findPlayer({ email: 'nobody@example.com' })).toBeNull();
    await expect(bo.getBalance('P-9999')).rejects.toMatchObject({ code: 'CROUPIER_CRM_NOT_FOUND' });
  });

  it('sends one-time codes that expire after 10 minutes and allow 5 attempts', async () => {
    const c = clock();
    const codes: string[] = [];
    const bo = new DemoBackOffice(c, { onCode: (_id, code) => codes.push(code), random: () => 0.042 });
    expect(await bo.sendVerificationCode('P-1001', 'email')).toEqual({ sentTo: 'a***@example.com', expiresAt: '2026-05-10T12:10:00.000Z' });
    expect(codes).toEqual(['042000']);
    expect(await bo.checkVerificationCode('P-1001', '111111')).toBe('invalid');
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('valid');
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('invalid'); // used up

    await bo.sendVerificationCode('P-1001', 'email');
    c.advance(10 * 60_000 + 1);
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('expired');

    await bo.sendVerificationCode('P-1001', 'email');
    for (let i = 0; i < 4; i++) expect(await bo.checkVerificationCode('P-1001', '000000')).toBe('invalid');
    expect(await bo.checkVerificationCode('P-1001', '000000')).toBe('too_many_attempts');
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('too_many_attempts');
  });
});

describe('back-office actions', () => {
  const bo = new DemoBackOffice(clock());
  const run = (name: string, player: string | null, args: Record<string, string> = {}) =>
    BACK_OFFICE_ACTIONS[name]!(bo, args, { casinoPlayerId: player });

  it('return flow-friendly, snake_case data', async () => {
    expect(await run('crm.withdrawals', 'P-1003')).toMatchObject({
      count: 1,
      pending_count: 1,
      latest: { state: 'pending', method: 'Skrill', amount: { amount: 450, currency: 'EUR' } },
    });
    expect(await run('crm.kyc', 'P-1002')).toMatchObject({ status: 'pending', missing: ['selfie', 'utility bill'], missing_count: 2 });
    expect(await run('crm.bonuses', 'P-1007')).toMatchObject({ count: 1, wagering_percent: 50, active: { name: 'Welcome bonus 100%' } });
    expect(await run('crm.deposits', 'P-1005')).toMatchObject({
      failed_count: 1,
      latest: { failure_reason: expect.stringContaining('3-D Secure') as unknown },
    });
    expect(await run('crm.vip', 'P-1002')).toEqual({ tier: 'gold', manager: null, points: 24_100 });
    expect(await run('crm.balance', 'P-1001')).toEqual({
      balance: { amount: 25_480.5, currency: 'EUR' },
      bonus: { amount: 0, currency: 'EUR' },
    });
  });

  it('refuse account data for an unverified player, and never reveal whether an e-mail has an account', async () => {
    await expect(run('crm.balance', null)).rejects.toMatchObject({ code: 'CROUPIER_CRM_UNVERIFIED' });
    expect(await run('crm.password_reset', null, { email: 'nobody@example.com' })).toEqual({ sent: false });
    expect(await run('crm.password_reset', null, { email: 'lucia.garcia@example.com' })).toEqual({
      sent: true,
      sent_to: 'l***@example.com',
    });
  });

  it('the dialogue port maps profiles and codes', async () => {
    const port = backOfficePort(new DemoBackOffice(clock(), { random: () => 0.5 }));
    expect(await port.profile('P-1010')).toMatchObject({
      vip_tier: 'silver',
      cool_off_until: '2026-05-15T12:00:00.000Z',
      self_excluded: false,
    });
    expect(await port.findByEmail('emily.clarke@example.com')).toEqual({ casinoPlayerId: 'P-1004' });
    expect(await port.sendCode('P-1004')).toEqual({ sentTo: 'e***@example.com' });
    expect(await port.checkCode('P-1004', '500000')).toBe('valid');
    await expect(port.runAction('crm.nope', {}, { casinoPlayerId: 'P-1004' })).rejects.toMatchObject({ code: 'CROUPIER_CONTENT_INVALID' });
  });
});
