import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelegramChannel } from '../../../adapters/telegram/index.js';
import { sequentialIds, systemClock } from '../../../src/core/clock.js';
import { CroupierError } from '../../../src/core/errors.js';
import type { Inbound } from '../../../src/core/message.js';
import { configSchema } from '../../../src/config/schema.js';
import type { ChannelContext } from '../../../src/server/channel.js';
import { captureLog } from '../../support/pipeline-harness.js';
import { FakeBotApi } from './fake-bot-api.js';
import { BOT_TOKEN, recorded } from './support.js';

let api: FakeBotApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('telegram long polling', () => {
  it('while shutting down, stops polling without confirming the update it could not store', async () => {
    api = await FakeBotApi.start();
    const { log, lines } = captureLog();
    const accepted: Inbound[] = [];
    const context = {
      config: configSchema.parse({ channels: { telegram: { enabled: true, mode: 'polling', apiRoot: api.url } } }),
      secrets: {},
      log,
      clock: systemClock,
      ids: sequentialIds(),
      env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN },
      publicUrl: () => 'http://localhost:3000',
      // The pipeline has begun to drain: it takes nothing more.
      accept: (inbound: Inbound) => {
        accepted.push(inbound);
        return Promise.reject(new CroupierError('CROUPIER_PIPELINE_CLOSED', 'the pipeline is shutting down'));
      },
    } as unknown as ChannelContext;
    const adapter = createTelegramChannel(context);
    const update = recorded('text');
    api.failNext('getUpdates', { status: 200, body: { ok: true, result: [update] } });

    await adapter?.start?.();
    await vi.waitFor(() => expect(lines.some((line) => String(line['msg']).includes('shutting down'))).toBe(true));
    await adapter?.close?.();

    expect(accepted.map((inbound) => inbound.platformMessageId)).toEqual(['412345678:101']);
    // Telegram learns an update was handled from a getUpdates offset past it: none was sent.
    const offsets = api.callsOf('getUpdates').map((call) => Number(call.body['offset'] ?? 0));
    expect(offsets.every((offset) => offset <= update.update_id)).toBe(true);
    expect(lines.some((line) => line['level'] === 50)).toBe(false);
  });

  it('removes any webhook and asks only for the updates it handles', async () => {
    api = await FakeBotApi.start();
    const { log } = captureLog();
    const context = {
      config: configSchema.parse({ channels: { telegram: { enabled: true, mode: 'polling', apiRoot: api.url } } }),
      secrets: {},
      log,
      clock: systemClock,
      ids: sequentialIds(),
      env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN },
      publicUrl: () => 'http://localhost:3000',
      accept: () => Promise.resolve({ duplicate: false, turn: Promise.resolve(undefined) }),
    } as unknown as ChannelContext;
    const adapter = createTelegramChannel(context);
    await adapter?.start?.();
    const first = await api.waitFor('getUpdates');
    expect(first.body['allowed_updates']).toEqual(['message', 'callback_query']);
    expect(api.callsOf('deleteWebhook')).toHaveLength(1);
    await adapter?.close?.();
  });
});
