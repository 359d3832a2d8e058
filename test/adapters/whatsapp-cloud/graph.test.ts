import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWhatsAppCloudChannel } from '../../../adapters/whatsapp-cloud/index.js';
import { GraphClient, WindowClosed } from '../../../adapters/whatsapp-cloud/graph.js';
import { configSchema } from '../../../src/config/schema.js';
import { ManualClock, sequentialIds } from '../../../src/core/clock.js';
import { isRetryable } from '../../../src/core/delivery.js';
import { CroupierError, isCroupierError } from '../../../src/core/errors.js';
import { textMessage } from '../../../src/core/message.js';
import { buildServer } from '../../../src/server/app.js';
import type { ChannelContext } from '../../../src/server/channel.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { captureLog } from '../../support/pipeline-harness.js';
import { ACCESS_TOKEN, APP_SECRET, FakeGraph, messages, PHONE_NUMBER_ID, PLAYER, post, text, VERIFY_TOKEN } from './fake-graph.js';

let fake: FakeGraph;
beforeEach(async () => {
  fake = await FakeGraph.start();
});
afterEach(async () => {
  await fake.close();
});

const clock = new ManualClock('2026-03-01T12:00:00Z');
const client = (graphUrl = fake.url) =>
  new GraphClient({
    graphUrl: `${graphUrl}/`,
    apiVersion: 'v21.0',
    phoneNumberId: PHONE_NUMBER_ID,
    token: ACCESS_TOKEN,
    now: () => clock.now(),
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('Graph API client', () => {
  it('posts to /{version}/{phone-number-id}/messages with the bearer token and returns the wamid', async () => {
    await expect(client().send(PLAYER, { type: 'text', text: { body: 'hola' } })).resolves.toBe('wamid.OUT1');
    expect(fake.calls[0]).toEqual({
      version: 'v21.0',
      phoneNumberId: PHONE_NUMBER_ID,
      authorization: `Bearer ${ACCESS_TOKEN}`,
      body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: PLAYER, type: 'text', text: { body: 'hola' } },
    });
  });

  it('classifies failures for the shared retry policy', async () => {
    fake.failNext(500, { code: 2, message: 'Service temporarily unavailable' });
    const server = await failure(client().send(PLAYER, { type: 'text' }));
    expect(isCroupierError(server, 'CROUPIER_PLATFORM_API') && isRetryable(server)).toBe(true);

    fake.failNext(429, { code: 130429, message: 'Rate limit hit' }, { 'retry-after': '7' });
    const limited = (await failure(client().send(PLAYER, { type: 'text' }))) as CroupierError;
    expect(isRetryable(limited)).toBe(true);
    expect(limited.details).toMatchObject({ status: 429, retryAfterMs: 7000 });

    // Meta reports throughput limits as HTTP 400 with a rate-limit code: still retried.
    fake.failNext(400, { code: 131056, message: '(Business Account, Consumer Account) pair rate limit hit' });
    expect(isRetryable(await failure(client().send(PLAYER, { type: 'text' })))).toBe(true);
    fake.failNext(400, { code: 131000, message: 'Something went wrong' });
    expect(isRetryable(await failure(client().send(PLAYER, { type: 'text' })))).toBe(true);

    fake.failNext(400, { code: 100, message: '(#100) Invalid parameter' });
    const bad = (await failure(client().send(PLAYER, { type: 'text' }))) as CroupierError;
    expect(isRetryable(bad)).toBe(false);
    expect(bad.message).toBe('whatsapp-cloud: Graph API 400 (code 100): (#100) Invalid parameter');

    fake.failNext(401, { code: 190, message: 'Error validating access token: Session has expired' });
    const expired = (await failure(client().send(PLAYER, { type: 'text' }))) as CroupierError;
    expect(isRetryable(expired)).toBe(false);

    fake.failNext(400, { code: 131047, message: 'Re-engagement message', details: 'more than 24 hours have passed' });
    const window = await failure(client().send(PLAYER, { type: 'text' }));
    expect(window).toBeInstanceOf(WindowClosed);

    fake.failNext(502, '<html>Bad Gateway</html>');
    const gateway = (await failure(client().send(PLAYER, { type: 'text' }))) as CroupierError;
    expect(isRetryable(gateway)).toBe(true);
    expect(gateway.message).toContain('Graph API 502');

    for (const error of [server, limited, bad, expired, window, gateway]) {
      expect(`${String(error)} ${JSON.stringify((error as CroupierError).details ?? {})}`).not.toContain(ACCESS_TOKEN);
    }
  });

  it('an unreachable Graph API is a retryable network error', async () => {
    const closed = await FakeGraph.start();
    await closed.close();
    const error = await failure(client(closed.url).send(PLAYER, { type: 'text' }));
    expect(isCroupierError(error, 'CROUPIER_NETWORK') && isRetryable(error)).toBe(true);
    expect(String(error)).not.toContain(ACCESS_TOKEN);
  });
});

describe('secrets stay out of the logs', () => {
  it('no log line or error carries the access token, the app secret, the verify token or a signature', async () => {
    const { log, lines } = captureLog();
    const store = openSqliteStore({ file: ':memory:', ids: sequentialIds('row') });
    const config = configSchema.parse({
      log: { level: 'debug' },
      channels: { 'whatsapp-cloud': { enabled: true, graphUrl: fake.url, phoneNumberId: PHONE_NUMBER_ID } },
    });
    const accepted: string[] = [];
    const context: ChannelContext = {
      config,
      secrets: {},
      store,
      log,
      clock,
      ids: sequentialIds('id'),
      rootDir: process.cwd(),
      serverSecret: 'server-secret',
      handle: () => Promise.reject(new Error('not used')),
      accept: async (inbound) => {
        accepted.push(inbound.platformMessageId);
        const first = await store.receipts.claim(inbound.channel, inbound.platformMessageId, inbound.receivedAt);
        return { duplicate: !first, turn: Promise.resolve(undefined) };
      },
      env: { WHATSAPP_CLOUD_TOKEN: ACCESS_TOKEN, WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN },
      publicUrl: () => 'https://support.example-casino.com',
    };
    const adapter = createWhatsAppCloudChannel(context)!;
    const server = await buildServer({ config, log, store, channels: [adapter], contentReady: () => true });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(
        (await fetch(`${url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong-${VERIFY_TOKEN}&hub.challenge=1`)).status,
      ).toBe(403);
      const forged = `sha256=${'a'.repeat(64)}`;
      expect((await post(url, messages([text('wamid.X', 'hola', clock.now())]), { signature: forged })).status).toBe(401);
      expect((await post(url, messages([text('wamid.Y', 'hola', clock.now())]))).status).toBe(200);
      expect(accepted).toEqual(['wamid.Y']);

      fake.failNext(401, { code: 190, message: 'Malformed access token' });
      const error = await adapter
        .send({ channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: '' }, textMessage('hola'))
        .catch((e: unknown) => e);
      expect(isCroupierError(error, 'CROUPIER_PLATFORM_API')).toBe(true);
      log.error({ err: error, code: (error as CroupierError).code }, 'reply could not be delivered');

      const all = JSON.stringify(lines);
      expect(lines.length).toBeGreaterThan(2);
      for (const secret of [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, forged.slice(7)]) expect(all).not.toContain(secret);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
