import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CODE_TTL_MS, DemoBackOffice } from '../../src/crm/demo-back-office.js';
import { demoPlayers } from '../../src/crm/demo-players.js';

const NOW = '2026-05-10T12:00:00.000Z';
const at = (days: number, hours = 0) => new Date(Date.parse(NOW) + days * 86_400_000 + hours * 3_600_000).toISOString();

describe('demo directory', () => {
  const players = demoPlayers(new Date(NOW));

  it('has a dozen players from the five markets with unique ids P-1001…', () => {
    expect(players).toHaveLength(12);
    expect(players.map((p) => p.profile.casinoPlayerId)).toEqual(Array.from({ length: 12 }, (_, i) => `P-${1001 + i}`));
    expect(new Set(players.map((p) => p.profile.language))).toEqual(new Set(['en', 'es', 'de', 'ru', 'ro']));
    expect(new Set(players.map((p) => p.profile.currency))).toEqual(new Set(['EUR', 'USD', 'GBP', 'RUB', 'RON']));
    for (const p of players) {
      expect(p.balance.currency).toBe(p.profile.currency);
      expect(p.vip.tier).toBe(p.profile.vipTier);
      expect(p.kyc.status).toBe(p.profile.kycStatus);
    }
  });

  it('answers every method for every player', async () => {
    const bo = new DemoBackOffice(new ManualClock(NOW), { random: () => 0.1 });
    for (const { profile } of players) {
      const id = profile.casinoPlayerId;
      expect(await bo.findPlayer({ casinoPlayerId: id })).toEqual(profile);
      expect(await bo.findPlayer({ email: profile.email })).toEqual(profile);
      expect((await bo.getBalance(id)).currency).toBe(profile.currency);
      expect((await bo.getVip(id)).tier).toBe(profile.vipTier);
      expect((await bo.getKyc(id)).status).toBe(profile.kycStatus);
      expect(Array.isArray(await bo.listDeposits(id))).toBe(true);
      expect(Array.isArray(await bo.listWithdrawals(id))).toBe(true);
      expect(Array.isArray(await bo.listBonuses(id))).toBe(true);
      expect((await bo.sendPasswordReset(id)).sentTo).toMatch(/^\w\*\*\*@example\.com$/);
      expect(await bo.sendVerificationCode(id, 'email')).toEqual({
        sentTo: expect.stringMatching(/\*\*\*@/) as unknown,
        expiresAt: at(0, 1 / 6),
      });
      expect(await bo.checkVerificationCode(id, '100000')).toBe('valid');
    }
  });

  it('covers the cases support meets every day, with dates relative to the clock', async () => {
    const bo = new DemoBackOffice(new ManualClock(NOW));
    expect(await bo.getVip('P-1001')).toEqual({ tier: 'diamond', manager: { name: 'Elena', agentId: 'agent-elena' }, points: 182_300 });
    expect(await bo.getVip('P-1002')).toMatchObject({ tier: 'gold', manager: null });
    expect(await bo.getKyc('P-1002')).toMatchObject({ status: 'pending', missingDocuments: ['selfie', 'utility_bill'] });
    expect(await bo.getKyc('P-1011')).toMatchObject({ status: 'rejected', rejectionReason: expect.stringContaining('blurry') as unknown });
    expect(await bo.listWithdrawals('P-1003')).toEqual([expect.objectContaining({ state: 'pending', createdAt: at(-4) })]);
    expect(await bo.listWithdrawals('P-1004')).toEqual([expect.objectContaining({ state: 'paid', expectedBy: at(-1) })]);
    expect(await bo.listDeposits('P-1005')).toEqual([
      expect.objectContaining({ state: 'failed', method: 'Visa', failureReason: expect.stringContaining('declined') as unknown }),
    ]);
    expect(await bo.listDeposits('P-1006')).toEqual([
      expect.objectContaining({
        state: 'pending',
        method: expect.stringContaining('USDT') as unknown,
        amount: { amount: 27_000, currency: 'RUB' },
      }),
    ]);
    const [welcome] = await bo.listBonuses('P-1007');
    expect(welcome!.wagering.progress.amount / welcome!.wagering.required.amount).toBe(0.5);
    expect(await bo.listBonuses('P-1008')).toEqual([expect.objectContaining({ kind: 'free_spins', freeSpins: 50, expiresAt: at(1) })]);
    expect((await bo.findPlayer({ casinoPlayerId: 'P-1009' }))?.responsibleGambling).toEqual({ selfExcluded: true });
    expect((await bo.findPlayer({ casinoPlayerId: 'P-1010' }))?.responsibleGambling).toMatchObject({ coolOffUntil: at(5) });
    const fresh = await bo.findPlayer({ casinoPlayerId: 'P-1012' });
    expect(fresh).toMatchObject({ kycStatus: 'not_started', vipTier: 'none', registeredAt: at(0, -3) });
    expect(await bo.getBalance('P-1012')).toEqual({ amount: 0, currency: 'EUR', bonus: { amount: 0, currency: 'EUR' } });
    for (const list of [bo.listDeposits('P-1012'), bo.listWithdrawals('P-1012'), bo.listBonuses('P-1012')]) expect(await list).toEqual([]);
  });

  it('finds players by e-mail (any case, spaces) and phone, and says null or NOT_FOUND for strangers', async () => {
    const bo = new DemoBackOffice(new ManualClock(NOW));
    expect(await bo.findPlayer({ email: ' JONAS.WEBER@example.com ' })).toMatchObject({ casinoPlayerId: 'P-1003' });
    expect(await bo.findPlayer({ phone: '+34 612 345 678' })).toMatchObject({ casinoPlayerId: 'P-1002' });
    expect(await bo.findPlayer({ email: 'nobody@example.com' })).toBeNull();
    expect(await bo.findPlayer({})).toBeNull();
    await expect(bo.getBalance('P-9999')).rejects.toMatchObject({ code: 'CROUPIER_CRM_NOT_FOUND' });
    await expect(bo.checkVerificationCode('P-9999', '123456')).rejects.toMatchObject({ code: 'CROUPIER_CRM_NOT_FOUND' });
  });

  it('limits lists, newest first', async () => {
    const base = demoPlayers(new Date(NOW))[0]!;
    const deposits = [at(-3), at(-1), at(-2)].map((createdAt, i) => ({ ...base.deposits[0]!, id: `D-${i}`, createdAt }));
    const bo = new DemoBackOffice(new ManualClock(NOW), { players: [{ ...base, deposits }] });
    expect((await bo.listDeposits('P-1001')).map((d) => d.id)).toEqual(['D-1', 'D-2', 'D-0']);
    expect((await bo.listDeposits('P-1001', { limit: 2 })).map((d) => d.id)).toEqual(['D-1', 'D-2']);
  });
});

describe('demo one-time codes', () => {
  const setup = (random = () => 0.042) => {
    const clock = new ManualClock(NOW);
    const logged: string[] = [];
    const bo = new DemoBackOffice(clock, { random, onCode: (id, code) => logged.push(`demo back office: code for ${id} is ${code}`) });
    return { clock, bo, logged };
  };

  it('sends a 6-digit code from the injected random source, logs it through the callback only, and accepts it once', async () => {
    const { bo, logged } = setup();
    expect(await bo.sendVerificationCode('P-1001', 'email')).toEqual({ sentTo: 'a***@example.com', expiresAt: '2026-05-10T12:10:00.000Z' });
    expect(bo.lastCodeFor('P-1001')).toBe('042000');
    expect(logged).toEqual(['demo back office: code for P-1001 is 042000']);
    expect(await bo.checkVerificationCode('P-1001', '111111')).toBe('invalid');
    expect(await bo.checkVerificationCode('P-1001', ' 042000 ')).toBe('valid');
    expect(bo.lastCodeFor('P-1001')).toBeUndefined();
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('invalid');
  });

  it('is invalid when no code was sent, and a new code replaces the old one', async () => {
    let n = 0;
    const { bo } = setup(() => [0.111111, 0.222222][n++]!);
    expect(await bo.checkVerificationCode('P-1002', '111111')).toBe('invalid');
    await bo.sendVerificationCode('P-1002', 'email');
    await bo.sendVerificationCode('P-1002', 'email');
    expect(await bo.checkVerificationCode('P-1002', '111111')).toBe('invalid');
    expect(await bo.checkVerificationCode('P-1002', '222222')).toBe('valid');
  });

  it('expires after 10 minutes', async () => {
    const { bo, clock } = setup();
    await bo.sendVerificationCode('P-1001', 'email');
    clock.advance(CODE_TTL_MS - 1);
    expect(await bo.checkVerificationCode('P-1001', '000001')).toBe('invalid');
    clock.advance(1);
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('expired');
  });

  it('locks after 5 wrong tries, even for the right code', async () => {
    const { bo } = setup();
    await bo.sendVerificationCode('P-1001', 'email');
    for (let i = 0; i < 4; i++) expect(await bo.checkVerificationCode('P-1001', '000000')).toBe('invalid');
    expect(await bo.checkVerificationCode('P-1001', '000000')).toBe('too_many_attempts');
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('too_many_attempts');
    await bo.sendVerificationCode('P-1001', 'email');
    expect(await bo.checkVerificationCode('P-1001', '042000')).toBe('valid');
  });

  it('sends by SMS to the masked phone, and refuses SMS for a player without one', async () => {
    const { bo } = setup(() => 0.999_999_9);
    expect(await bo.sendVerificationCode('P-1002', 'sms')).toMatchObject({ sentTo: '+*********78' });
    expect(bo.lastCodeFor('P-1002')).toBe('999999');
    await expect(bo.sendVerificationCode('P-1007', 'sms')).rejects.toMatchObject({ code: 'CROUPIER_CRM_REJECTED' });
  });

  it('uses crypto randomness by default', async () => {
    const bo = new DemoBackOffice(new ManualClock(NOW));
    await bo.sendVerificationCode('P-1001', 'email');
    expect(bo.lastCodeFor('P-1001')).toMatch(/^\d{6}$/);
  });
});
