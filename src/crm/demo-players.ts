import type { Balance, Bonus, Deposit, Kyc, Money, PlayerProfile, Vip, Withdrawal } from './back-office.js';

/**
 * The demo directory: a dozen sample players covering the cases support meets every day. Dates are
 * relative to "now" so the demo stays true whenever it runs. Used by default, by the conversation
 * tests, and by anyone trying Croupier without a back office.
 *
 *   P-1001 Alexander Petrov  diamond VIP with a personal manager (EUR)
 *   P-1002 Lucía García      gold VIP without a manager; KYC pending: selfie + utility bill (EUR)
 *   P-1003 Jonas Weber       withdrawal pending for 4 days (EUR)
 *   P-1004 Emily Clarke      withdrawal paid yesterday (GBP)
 *   P-1005 Andrei Popescu    card deposit declined (RON)
 *   P-1006 Dmitry Volkov     crypto deposit pending (RUB)
 *   P-1007 Sofía Martínez    welcome bonus 50 % wagered (USD)
 *   P-1008 Oliver Smith      50 free spins expiring tomorrow (EUR)
 *   P-1009 Maria Ionescu     self-excluded (RON)
 *   P-1010 Thomas Müller     cool-off for 5 more days, deposit limit; withdrawal rejected (EUR)
 *   P-1011 Ivan Sokolov      KYC rejected: blurry passport (EUR)
 *   P-1012 Carmen López      registered 3 hours ago, no activity, KYC not started (EUR)
 */
export interface DemoPlayer {
  readonly profile: PlayerProfile;
  readonly balance: Balance;
  readonly vip: Vip;
  readonly kyc: Kyc;
  readonly deposits: readonly Deposit[];
  readonly withdrawals: readonly Withdrawal[];
  readonly bonuses: readonly Bonus[];
}

const eur = (amount: number): Money => ({ amount, currency: 'EUR' });
const money = (amount: number, currency: string): Money => ({ amount, currency });

export function demoPlayers(now: Date): DemoPlayer[] {
  const days = (n: number) => new Date(now.getTime() + n * 86_400_000).toISOString();
  const hours = (n: number) => new Date(now.getTime() + n * 3_600_000).toISOString();
  const profile = (p: Omit<PlayerProfile, 'responsibleGambling' | 'registeredAt'> & Partial<PlayerProfile>): PlayerProfile => ({
    responsibleGambling: { selfExcluded: false },
    registeredAt: days(-400),
    ...p,
  });
  const noKycGaps: Kyc = { status: 'approved', missingDocuments: [], submittedAt: days(-300) };
  return [
    {
      // Diamond VIP with a personal manager, everything in order.
      profile: profile({
        casinoPlayerId: 'P-1001',
        name: 'Alexander Petrov',
        email: 'alex.petrov@example.com',
        phone: '+35799123456',
        country: 'CY',
        language: 'ru',
        currency: 'EUR',
        vipTier: 'diamond',
        kycStatus: 'approved',
      }),
      balance: { ...eur(25_480.5), bonus: eur(0) },
      vip: { tier: 'diamond', manager: { name: 'Elena', agentId: 'agent-elena' }, points: 182_300 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9001', amount: eur(5_000), method: 'Bank transfer', state: 'credited', createdAt: days(-2) }],
      withdrawals: [
        { id: 'W-7001', amount: eur(12_000), method: 'Bank transfer', state: 'paid', createdAt: days(-6), expectedBy: days(-4) },
      ],
      bonuses: [],
    },
    {
      // Gold VIP without a personal manager; KYC pending (selfie and utility bill missing).
      profile: profile({
        casinoPlayerId: 'P-1002',
        name: 'Lucía García',
        email: 'lucia.garcia@example.com',
        phone: '+34612345678',
        country: 'ES',
        language: 'es',
        currency: 'EUR',
        vipTier: 'gold',
        kycStatus: 'pending',
      }),
      balance: { ...eur(840.2), bonus: eur(50) },
      vip: { tier: 'gold', manager: null, points: 24_100 },
      kyc: { status: 'pending', missingDocuments: ['selfie', 'utility_bill'], submittedAt: days(-1) },
      deposits: [{ id: 'D-9002', amount: eur(200), method: 'Bizum', state: 'credited', createdAt: days(-3) }],
      withdrawals: [],
      bonuses: [],
    },
    {
      // Withdrawal pending for four days.
      profile: profile({
        casinoPlayerId: 'P-1003',
        name: 'Jonas Weber',
        email: 'jonas.weber@example.com',
        phone: '+4915112345678',
        country: 'DE',
        language: 'de',
        currency: 'EUR',
        vipTier: 'silver',
        kycStatus: 'approved',
      }),
      balance: { ...eur(35), bonus: eur(0) },
      vip: { tier: 'silver', manager: null, points: 6_400 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9003', amount: eur(100), method: 'Sofort', state: 'credited', createdAt: days(-10) }],
      withdrawals: [{ id: 'W-7003', amount: eur(450), method: 'Skrill', state: 'pending', createdAt: days(-4), expectedBy: days(1) }],
      bonuses: [],
    },
    {
      // Withdrawal paid yesterday.
      profile: profile({
        casinoPlayerId: 'P-1004',
        name: 'Emily Clarke',
        email: 'emily.clarke@example.com',
        phone: '+447700900123',
        country: 'GB',
        language: 'en',
        currency: 'GBP',
        vipTier: 'bronze',
        kycStatus: 'approved',
      }),
      balance: { ...money(12.4, 'GBP'), bonus: money(0, 'GBP') },
      vip: { tier: 'bronze', manager: null, points: 1_250 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9004', amount: money(50, 'GBP'), method: 'Visa', state: 'credited', createdAt: days(-8) }],
      withdrawals: [{ id: 'W-7004', amount: money(320, 'GBP'), method: 'Visa', state: 'paid', createdAt: days(-3), expectedBy: days(-1) }],
      bonuses: [],
    },
    {
      // Failed card deposit (declined by the bank).
      profile: profile({
        casinoPlayerId: 'P-1005',
        name: 'Andrei Popescu',
        email: 'andrei.popescu@example.com',
        phone: '+40721123456',
        country: 'RO',
        language: 'ro',
        currency: 'RON',
        vipTier: 'none',
        kycStatus: 'approved',
      }),
      balance: { ...money(0, 'RON'), bonus: money(0, 'RON') },
      vip: { tier: 'none', manager: null, points: 120 },
      kyc: noKycGaps,
      deposits: [
        {
          id: 'D-9005',
          amount: money(250, 'RON'),
          method: 'Visa',
          state: 'failed',
          createdAt: hours(-2),
          failureReason: 'the bank declined the card (3-D Secure not completed)',
        },
      ],
      withdrawals: [],
      bonuses: [],
    },
    {
      // Crypto deposit still waiting for confirmations.
      profile: profile({
        casinoPlayerId: 'P-1006',
        name: 'Dmitry Volkov',
        email: 'dmitry.volkov@example.com',
        phone: '+79161234567',
        country: 'RU',
        language: 'ru',
        currency: 'RUB',
        vipTier: 'silver',
        kycStatus: 'approved',
      }),
      balance: { ...money(6_850, 'RUB'), bonus: money(0, 'RUB') },
      vip: { tier: 'silver', manager: null, points: 5_900 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9006', amount: money(27_000, 'RUB'), method: 'USDT (TRC-20)', state: 'pending', createdAt: hours(-1) }],
      withdrawals: [],
      bonuses: [],
    },
    {
      // Welcome bonus half wagered.
      profile: profile({
        casinoPlayerId: 'P-1007',
        name: 'Sofía Martínez',
        email: 'sofia.martinez@example.com',
        country: 'MX',
        language: 'es',
        currency: 'USD',
        vipTier: 'bronze',
        kycStatus: 'approved',
      }),
      balance: { ...money(60, 'USD'), bonus: money(100, 'USD') },
      vip: { tier: 'bronze', manager: null, points: 900 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9007', amount: money(100, 'USD'), method: 'Mastercard', state: 'credited', createdAt: days(-5) }],
      withdrawals: [],
      bonuses: [
        {
          id: 'B-5007',
          name: 'Welcome bonus 100%',
          kind: 'deposit_match',
          amount: money(100, 'USD'),
          wagering: { required: money(3_500, 'USD'), progress: money(1_750, 'USD') },
          expiresAt: days(25),
          state: 'active',
        },
      ],
    },
    {
      // Free spins expiring tomorrow.
      profile: profile({
        casinoPlayerId: 'P-1008',
        name: 'Oliver Smith',
        email: 'oliver.smith@example.com',
        country: 'IE',
        language: 'en',
        currency: 'EUR',
        vipTier: 'bronze',
        kycStatus: 'approved',
      }),
      balance: { ...eur(18), bonus: eur(4.2) },
      vip: { tier: 'bronze', manager: null, points: 700 },
      kyc: noKycGaps,
      deposits: [{ id: 'D-9008', amount: eur(20), method: 'PayPal', state: 'credited', createdAt: days(-6) }],
      withdrawals: [],
      bonuses: [
        {
          id: 'B-5008',
          name: '50 free spins on Starburst',
          kind: 'free_spins',
          freeSpins: 50,
          wagering: { required: eur(168), progress: eur(21) },
          expiresAt: days(1),
          state: 'active',
        },
      ],
    },
    {
      // Self-excluded: no offers, urgent care.
      profile: profile({
        casinoPlayerId: 'P-1009',
        name: 'Maria Ionescu',
        email: 'maria.ionescu@example.com',
        country: 'RO',
        language: 'ro',
        currency: 'RON',
        vipTier: 'none',
        kycStatus: 'approved',
        responsibleGambling: { selfExcluded: true },
      }),
      balance: { ...money(0, 'RON'), bonus: money(0, 'RON') },
      vip: { tier: 'none', manager: null, points: 0 },
      kyc: noKycGaps,
      deposits: [],
      withdrawals: [],
      bonuses: [],
    },
    {
      // In a cool-off period with a deposit limit.
      profile: profile({
        casinoPlayerId: 'P-1010',
        name: 'Thomas Müller',
        email: 'thomas.mueller@example.com',
        phone: '+436641234567',
        country: 'AT',
        language: 'de',
        currency: 'EUR',
        vipTier: 'silver',
        kycStatus: 'approved',
        responsibleGambling: { selfExcluded: false, coolOffUntil: days(5), depositLimit: eur(200) },
      }),
      balance: { ...eur(10), bonus: eur(0) },
      vip: { tier: 'silver', manager: null, points: 3_200 },
      kyc: noKycGaps,
      deposits: [],
      withdrawals: [
        {
          id: 'W-7010',
          amount: eur(80),
          method: 'Visa',
          state: 'rejected',
          createdAt: days(-2),
          rejectionReason: 'the card does not support payouts; please choose a bank transfer',
        },
      ],
      bonuses: [],
    },
    {
      // KYC rejected: blurry document.
      profile: profile({
        casinoPlayerId: 'P-1011',
        name: 'Ivan Sokolov',
        email: 'ivan.sokolov@example.com',
        country: 'EE',
        language: 'ru',
        currency: 'EUR',
        vipTier: 'bronze',
        kycStatus: 'rejected',
      }),
      balance: { ...eur(215), bonus: eur(0) },
      vip: { tier: 'bronze', manager: null, points: 1_800 },
      kyc: {
        status: 'rejected',
        missingDocuments: ['passport'],
        rejectionReason: 'the passport photo is blurry and one corner is cut off',
        submittedAt: days(-2),
      },
      deposits: [{ id: 'D-9011', amount: eur(200), method: 'Neteller', state: 'credited', createdAt: days(-9) }],
      withdrawals: [{ id: 'W-7011', amount: eur(150), method: 'Neteller', state: 'cancelled', createdAt: days(-3) }],
      bonuses: [],
    },
    {
      // Brand-new player, nothing yet.
      profile: profile({
        casinoPlayerId: 'P-1012',
        name: 'Carmen López',
        email: 'carmen.lopez@example.com',
        phone: '+34655443322',
        country: 'ES',
        language: 'es',
        currency: 'EUR',
        vipTier: 'none',
        kycStatus: 'not_started',
        registeredAt: hours(-3),
      }),
      balance: { ...eur(0), bonus: eur(0) },
      vip: { tier: 'none', manager: null, points: 0 },
      kyc: { status: 'not_started', missingDocuments: ['id_card', 'utility_bill'] },
      deposits: [],
      withdrawals: [],
      bonuses: [],
    },
  ];
}
