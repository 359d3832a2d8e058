import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { isCroupierError, type CroupierError } from '../../src/core/errors.js';
import { HttpBackOffice, type HttpBackOfficeOptions } from '../../src/crm/http-back-office.js';

const servers: FastifyInstance[] = [];
const hanging: (() => void)[] = [];
afterEach(async () => {
  for (const release of hanging.splice(0)) release();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** A fake back office on 127.0.0.1, port 0, built from the documented REST contract. */
async function fake(routes: Record<string, Handler>): Promise<{ baseUrl: string; hits: FastifyRequest[] }> {
  const app = Fastify();
  const hits: FastifyRequest[] = [];
  for (const [route, handler] of Object.entries(routes)) {
    const [method = 'GET', url = '/'] = route.split(' ');
    app.route({
      method,
      url,
      handler: async (request, reply) => {
        hits.push(request);
        return handler(request, reply);
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(app);
  const address = app.server.address();
  return { baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api`, hits };
}

/** An injected sleep that records its argument and returns at once: tests never wait for backoff. */
function recordingSleep() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

const client = (baseUrl: string, options: Partial<HttpBackOfficeOptions> = {}) =>
  new HttpBackOffice({ baseUrl, random: () => 0, sleep: async () => undefined, ...options });

async function failure(promise: Promise<unknown>): Promise<CroupierError> {
  try {
    await promise;
  } catch (error) {
    if (isCroupierError(error)) return error;
    throw error;
  }
  throw new Error('expected a CroupierError');
}

const balance = { amount: 10, currency: 'EUR', bonus: { amount: 0, currency: 'EUR' } };
const profile = {
  casinoPlayerId: 'P-1',
  name: 'Ana García',
  email: 'ana@example.com',
  country: 'ES',
  currency: 'EUR',
  vipTier: 'gold',
  kycStatus: 'approved',
  responsibleGambling: { selfExcluded: false },
  registeredAt: '2025-01-01T00:00:00Z',
  extraField: 'ignored',
};
const unavailable = (_request: FastifyRequest, reply: FastifyReply) => reply.status(503).send({ error: 'down' });

describe('HttpBackOffice: requests', () => {
  it('sends the API key as a Bearer token by default, or raw in a configured header', async () => {
    const { baseUrl, hits } = await fake({ 'GET /api/players/:id/balance': () => balance });
    expect(await client(baseUrl, { apiKey: 'secret-key' }).getBalance('P-1')).toEqual(balance);
    await client(baseUrl, { apiKey: 'secret-key', apiKeyHeader: 'X-Api-Key' }).getBalance('P-1');
    await client(`${baseUrl}/`).getBalance('P-1');
    expect(hits.map((h) => [h.headers.authorization, h.headers['x-api-key']])).toEqual([
      ['Bearer secret-key', undefined],
      [undefined, 'secret-key'],
      [undefined, undefined],
    ]);
    expect(hits[0]?.headers.accept).toBe('application/json');
  });

  it('looks players up by query, keeps only the documented fields, and answers null on 404', async () => {
    const { baseUrl, hits } = await fake({
      'GET /api/players': (request, reply) =>
        (request.query as Record<string, string>)['email'] === 'ana@example.com' ? profile : reply.status(404).send({}),
    });
    const bo = client(baseUrl);
    const found = await bo.findPlayer({ email: 'ana@example.com' });
    expect(found).toMatchObject({ casinoPlayerId: 'P-1', vipTier: 'gold' });
    expect(found).not.toHaveProperty('extraField');
    expect(await bo.findPlayer({ email: 'nobody@example.com' })).toBeNull();
    expect(await bo.findPlayer({})).toBeNull();
    expect(hits.map((h) => h.url)).toEqual(['/api/players?email=ana%40example.com', '/api/players?email=nobody%40example.com']);
  });

  it('encodes ids, passes list limits and POST bodies', async () => {
    const { baseUrl, hits } = await fake({
      'GET /api/players/:id/deposits': () => [],
      'POST /api/players/:id/verification-codes': () => ({ sentTo: '+*******56', expiresAt: '2026-01-01T00:10:00Z' }),
      'POST /api/players/:id/verification-codes/check': () => ({ result: 'expired' }),
    });
    const bo = client(baseUrl);
    expect(await bo.listDeposits('P/1 x', { limit: 3 })).toEqual([]);
    expect(await bo.sendVerificationCode('P-1', 'sms')).toEqual({ sentTo: '+*******56', expiresAt: '2026-01-01T00:10:00Z' });
    expect(await bo.checkVerificationCode('P-1', '123456')).toBe('expired');
    expect(hits[0]?.url).toBe('/api/players/P%2F1%20x/deposits?limit=3');
    expect(hits[1]?.body).toEqual({ channel: 'sms' });
    expect(hits[2]?.body).toEqual({ code: '123456' });
  });

  it('refuses a bad configuration', () => {
    for (const options of [{ baseUrl: 'bo.example.com' }, { baseUrl: 'http://x', retries: -1 }, { baseUrl: 'http://x', timeoutMs: 0 }])
      expect(() => new HttpBackOffice(options)).toThrow(expect.objectContaining({ code: 'CROUPIER_CONFIG_INVALID' }) as Error);
  });
});

describe('HttpBackOffice: failures', () => {
  it('times out with CROUPIER_CRM_TIMEOUT and does not retry a timeout', async () => {
    const { baseUrl, hits } = await fake({ 'GET /api/players/:id/kyc': () => new Promise<void>((resolve) => hanging.push(resolve)) });
    const { sleeps, sleep } = recordingSleep();
    const error = await failure(client(baseUrl, { timeoutMs: 50, sleep }).getKyc('P-1'));
    expect(error.code).toBe('CROUPIER_CRM_TIMEOUT');
    expect(hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 503 with exponential backoff and jitter, then succeeds', async () => {
    let failuresLeft = 2;
    const { baseUrl, hits } = await fake({
      'GET /api/players/:id/balance': (request, reply) => (failuresLeft-- > 0 ? unavailable(request, reply) : balance),
    });
    const { sleeps, sleep } = recordingSleep();
    expect(await client(baseUrl, { backoffMs: 100, random: () => 0.5, sleep }).getBalance('P-1')).toEqual(balance);
    expect(hits).toHaveLength(3);
    expect(sleeps).toEqual([125, 250]);
  });

  it('gives up with CROUPIER_CRM_UNAVAILABLE after exactly retries+1 attempts', async () => {
    const { baseUrl, hits } = await fake({ 'GET /api/players/:id/vip': unavailable });
    for (const [retries, attempts] of [
      [undefined, 3],
      [0, 1],
      [4, 5],
    ] as const) {
      hits.length = 0;
      const { sleeps, sleep } = recordingSleep();
      const error = await failure(client(baseUrl, { sleep, ...(retries === undefined ? {} : { retries }) }).getVip('P-1'));
      expect(error.code).toBe('CROUPIER_CRM_UNAVAILABLE');
      expect(error.details).toEqual({ status: 503 });
      expect(hits).toHaveLength(attempts);
      expect(sleeps).toEqual([200, 400, 800, 1600].slice(0, attempts - 1));
    }
  });

  it('honours Retry-After in seconds and as an HTTP date, and gives up on one too long to wait', async () => {
    let calls = 0;
    let retryAfter = '2';
    const { baseUrl } = await fake({
      'GET /api/players/:id/bonuses': (_request, reply) =>
        calls++ % 2 === 0 ? reply.status(429).header('retry-after', retryAfter).send({}) : [],
    });
    const { sleeps, sleep } = recordingSleep();
    const clock = new ManualClock('2026-05-10T12:00:00Z');
    const bo = client(baseUrl, { sleep, clock });
    expect(await bo.listBonuses('P-1')).toEqual([]);
    retryAfter = 'Sun, 10 May 2026 12:00:07 GMT';
    expect(await bo.listBonuses('P-1')).toEqual([]);
    expect(sleeps).toEqual([2000, 7000]);

    retryAfter = '3600';
    calls = 0;
    expect((await failure(bo.listBonuses('P-1'))).code).toBe('CROUPIER_CRM_UNAVAILABLE');
    expect(calls).toBe(1);
    expect(sleeps).toHaveLength(2);
  });

  it('retries network errors and then says CROUPIER_CRM_UNAVAILABLE', async () => {
    const { baseUrl } = await fake({});
    await Promise.all(servers.splice(0).map((s) => s.close()));
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const error = await failure(client(baseUrl, { fetch: counting, retries: 1 }).getBalance('P-1'));
    expect(error.code).toBe('CROUPIER_CRM_UNAVAILABLE');
    expect(calls).toBe(2);
  });

  it('maps 404 to CROUPIER_CRM_NOT_FOUND and other 4xx to CROUPIER_CRM_REJECTED, without retrying', async () => {
    const { baseUrl, hits } = await fake({
      'GET /api/players/:id/withdrawals': (_request, reply) => reply.status(404).send({}),
      'GET /api/players/:id/kyc': (_request, reply) => reply.status(403).send({ error: 'forbidden' }),
    });
    const bo = client(baseUrl);
    expect((await failure(bo.listWithdrawals('P-1'))).code).toBe('CROUPIER_CRM_NOT_FOUND');
    expect((await failure(bo.getKyc('P-1'))).code).toBe('CROUPIER_CRM_REJECTED');
    expect(hits).toHaveLength(2);
  });

  it('says CROUPIER_CRM_UNAVAILABLE, not a crash, for malformed JSON or a wrong shape', async () => {
    const { baseUrl, hits } = await fake({
      'GET /api/players/:id/balance': (_request, reply) => reply.type('application/json').send('{"amount": 10, oops'),
      'GET /api/players/:id/bonuses': () => [{ id: 'B-1', name: 'x' }],
      'GET /api/players/:id/withdrawals': () => [
        { id: 'W-1', amount: { amount: 1, currency: 'EUR' }, method: 'Visa', state: 'pending', createdAt: 'yesterday' },
      ],
      'GET /api/players/:id/vip': () => ({ tier: 'mythril', manager: null, points: 1 }),
    });
    const bo = client(baseUrl);
    const notJson = await failure(bo.getBalance('P-1'));
    expect(notJson).toMatchObject({ code: 'CROUPIER_CRM_UNAVAILABLE', message: expect.stringContaining('not JSON') as unknown });
    const shape = await failure(bo.listBonuses('P-1'));
    expect(shape).toMatchObject({
      code: 'CROUPIER_CRM_UNAVAILABLE',
      message: expect.stringContaining('unexpected shape (0.kind') as unknown,
    });
    expect((await failure(bo.listWithdrawals('P-1'))).message).toContain('0.createdAt');
    expect((await failure(bo.getVip('P-1'))).message).toContain('tier');
    expect(hits).toHaveLength(4); // a malformed answer is not retried
  });

  it('never puts the API key or personal data in error messages', async () => {
    const { baseUrl } = await fake({
      'GET /api/players': (_request, reply) => reply.status(500).send({ error: 'ana@example.com exploded' }),
      'GET /api/players/:id/balance': (_request, reply) => reply.type('application/json').send('{"email":"ana@example.com"'),
      'POST /api/players/:id/password-reset': (_request, reply) => reply.status(400).send({}),
    });
    const bo = client(baseUrl, { apiKey: 'secret-key', retries: 0 });
    const errors = [
      await failure(bo.findPlayer({ email: 'ana@example.com', phone: '+34600123456' })),
      await failure(bo.getBalance('P-4242')),
      await failure(bo.sendPasswordReset('P-4242')),
    ];
    expect(errors.map((e) => e.code)).toEqual(['CROUPIER_CRM_UNAVAILABLE', 'CROUPIER_CRM_UNAVAILABLE', 'CROUPIER_CRM_REJECTED']);
    const text = JSON.stringify(errors.map((e) => [e.message, e.details, String(e.cause)]));
    for (const secret of ['secret-key', 'ana@', '600123456', 'P-4242']) expect(text).not.toContain(secret);
    expect(errors[1]?.message).toContain('GET /players/{id}/balance');
  });
});

describe('HttpBackOffice: POST retries', () => {
  it('retries an idempotent POST with the same Idempotency-Key on every attempt', async () => {
    let failuresLeft = 1;
    const { baseUrl, hits } = await fake({
      'POST /api/players/:id/password-reset': (request, reply) =>
        failuresLeft-- > 0 ? unavailable(request, reply) : { sentTo: 'a***@example.com' },
    });
    let n = 0;
    const bo = client(baseUrl, { idempotencyKey: () => `key-${++n}` });
    expect(await bo.sendPasswordReset('P-1')).toEqual({ sentTo: 'a***@example.com' });
    expect(hits.map((h) => h.headers['idempotency-key'])).toEqual(['key-1', 'key-1']);
  });

  it('does not retry the password reset when the back office has no idempotency keys', async () => {
    const { baseUrl, hits } = await fake({ 'POST /api/players/:id/password-reset': unavailable });
    const { sleeps, sleep } = recordingSleep();
    const error = await failure(client(baseUrl, { idempotentPosts: false, sleep }).sendPasswordReset('P-1'));
    expect(error.code).toBe('CROUPIER_CRM_UNAVAILABLE');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.headers['idempotency-key']).toBeUndefined();
    expect(sleeps).toEqual([]);
  });

  it('never retries a code check (a repeat would count as another attempt)', async () => {
    const { baseUrl, hits } = await fake({ 'POST /api/players/:id/verification-codes/check': unavailable });
    expect((await failure(client(baseUrl).checkVerificationCode('P-1', '123456'))).code).toBe('CROUPIER_CRM_UNAVAILABLE');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.headers['idempotency-key']).toBeUndefined();
  });
});
