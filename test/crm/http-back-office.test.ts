import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpBackOffice } from '../../src/crm/http-back-office.js';

const servers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake back office built from the documented REST contract. */
async function fake(routes: (app: FastifyInstance) => void): Promise<string> {
  const app = Fastify();
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(app);
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const balance = { balance: { amount: 10, currency: 'EUR' }, bonus: { amount: 0, currency: 'EUR' } };

describe('HttpBackOffice', () => {
  it('sends the key, validates the answer and maps 404 on lookup to null', async () => {
    const seen: string[] = [];
    const baseUrl = await fake((app) => {
      app.get('/players/:id/balance', async (request) => {
        seen.push(String(request.headers.authorization));
        return balance;
      });
      app.get('/players', async (_request, reply) => reply.status(404).send({}));
    });
    const bo = new HttpBackOffice({ baseUrl, apiKey: 'secret-key' });
    expect(await bo.getBalance('P-1')).toEqual(balance);
    expect(seen).toEqual(['Bearer secret-key']);
    expect(await bo.findPlayer({ email: 'x@example.com' })).toBeNull();
  });

  it('retries 503 with backoff and succeeds; gives up after retries+1 attempts with CROUPIER_CRM_UNAVAILABLE', async () => {
    let calls = 0;
    let failuresLeft = 1;
    const baseUrl = await fake((app) => {
      app.get('/players/:id/balance', async (request, reply) => {
        calls++;
        if ((request.params as { id: string }).id === 'down' || failuresLeft-- > 0) return reply.status(503).send({});
        return balance;
      });
    });
    const sleeps: number[] = [];
    const bo = new HttpBackOffice({ baseUrl, retries: 2, backoffMs: 100, random: () => 0, sleep: async (ms) => void sleeps.push(ms) });
    expect(await bo.getBalance('P-1')).toEqual(balance);
    expect(calls).toBe(2);
    expect(sleeps).toEqual([100]);

    calls = 0;
    sleeps.length = 0;
    await expect(bo.getBalance('down')).rejects.toMatchObject({ code: 'CROUPIER_CRM_UNAVAILABLE' });
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('honours Retry-After on 429', async () => {
    let calls = 0;
    const baseUrl = await fake((app) => {
      app.get('/players/:id/vip', async (_request, reply) => {
        if (calls++ === 0) return reply.status(429).header('retry-after', '2').send({});
        return { tier: 'gold', manager: null, points: 5 };
      });
    });
    const sleeps: number[] = [];
    const bo = new HttpBackOffice({ baseUrl, sleep: async (ms) => void sleeps.push(ms) });
    expect(await bo.getVip('P-1')).toEqual({ tier: 'gold', manager: null, points: 5 });
    expect(sleeps).toEqual([2000]);
  });

  it('times out with CROUPIER_CRM_TIMEOUT', async () => {
    const baseUrl = await fake((app) => {
      app.get(
        '/players/:id/kyc',
        async () => new Promise((resolve) => setTimeout(() => resolve({ status: 'approved', missingDocuments: [] }), 500)),
      );
    });
    const bo = new HttpBackOffice({ baseUrl, timeoutMs: 50, retries: 0 });
    await expect(bo.getKyc('P-1')).rejects.toMatchObject({ code: 'CROUPIER_CRM_TIMEOUT' });
  });

  it('refuses malformed answers and client errors without leaking the key', async () => {
    const baseUrl = await fake((app) => {
      app.get('/players/:id/bonuses', async () => [{ id: 'B-1', name: 'x' }]);
      app.get('/players/:id/withdrawals', async (_request, reply) => reply.status(403).send({}));
    });
    const bo = new HttpBackOffice({ baseUrl, apiKey: 'secret-key', retries: 0 });
    const malformed = (await bo.listBonuses('P-1').then(
      () => new Error('resolved'),
      (e: Error) => e,
    )) as Error & { code?: string };
    expect(malformed).toMatchObject({ code: 'CROUPIER_CRM_UNAVAILABLE' });
    expect(malformed.message).toContain('unexpected shape');
    const refused = (await bo.listWithdrawals('P-1').then(
      () => new Error('resolved'),
      (e: Error) => e,
    )) as Error & { code?: string };
    expect(refused).toMatchObject({ code: 'CROUPIER_CRM_REJECTED' });
    expect(`${malformed.message} ${refused.message}`).not.toContain('secret-key');
  });

  it('does not retry a code check, and sends an idempotency key with retried POSTs', async () => {
    let checks = 0;
    const keys: string[] = [];
    const baseUrl = await fake((app) => {
      app.post('/players/:id/verification-codes/check', async (_request, reply) => {
        checks++;
        return reply.status(503).send({});
      });
      app.post('/players/:id/verification-codes', async (request) => {
        keys.push(String(request.headers['idempotency-key']));
        return { sentTo: 'a***@example.com', expiresAt: '2026-01-01T00:10:00Z' };
      });
    });
    const bo = new HttpBackOffice({ baseUrl, sleep: async () => undefined, idempotencyKey: () => 'key-1' });
    await expect(bo.checkVerificationCode('P-1', '123456')).rejects.toMatchObject({ code: 'CROUPIER_CRM_UNAVAILABLE' });
    expect(checks).toBe(1);
    expect(await bo.sendVerificationCode('P-1', 'email')).toEqual({ sentTo: 'a***@example.com', expiresAt: '2026-01-01T00:10:00Z' });
    expect(keys).toEqual(['key-1']);
  });
});
