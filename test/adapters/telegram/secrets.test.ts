import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createTelegramChannel } from '../../../adapters/telegram/index.js';
import { sequentialIds, systemClock } from '../../../src/core/clock.js';
import { isCroupierError } from '../../../src/core/errors.js';
import { configSchema } from '../../../src/config/schema.js';
import type { ChannelContext } from '../../../src/server/channel.js';
import { captureLog } from '../../support/pipeline-harness.js';
import { BOT_TOKEN, WEBHOOK_SECRET } from './support.js';

/** A port nothing listens on: every Bot API call fails at the network level. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

async function channel(mode: 'webhook' | 'polling') {
  const { log, lines } = captureLog();
  const config = configSchema.parse({ channels: { telegram: { enabled: true, mode, apiRoot: `http://127.0.0.1:${await closedPort()}` } } });
  const context = {
    config,
    secrets: {},
    log,
    clock: systemClock,
    ids: sequentialIds(),
    env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET },
    publicUrl: () => 'https://support.example-casino.com',
  } as unknown as ChannelContext;
  const adapter = createTelegramChannel(context);
  if (!adapter) throw new Error('not created');
  return { adapter, lines };
}

describe('telegram keeps its secrets', () => {
  it('a network failure of a send is a retryable error without the token in it', async () => {
    const { adapter, lines } = await channel('webhook');
    const error = await adapter
      .send({ channel: 'telegram', conversationKey: '412345678', conversationId: 'c1' }, { kind: 'text', text: 'hi', author: 'bot' })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(isCroupierError(error, 'CROUPIER_NETWORK')).toBe(true);
    const everything = JSON.stringify({ error, message: (error as Error).message, cause: (error as Error).cause, lines });
    expect(everything).toMatch(/ECONNREFUSED/);
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain(BOT_TOKEN.split(':')[1]);
  });

  it('a polling start that cannot reach the Bot API says so without the token, and close() stops it', async () => {
    const { adapter, lines } = await channel('polling');
    await adapter.start?.();
    await vi.waitFor(() => expect(lines.some((line) => line['msg'] === 'telegram: cannot reach the Bot API; retrying')).toBe(true));
    await adapter.close?.();
    const warnings = lines.filter((line) => line['msg'] === 'telegram: cannot reach the Bot API; retrying');
    expect(warnings[0]).toMatchObject({ code: 'CROUPIER_NETWORK', delayMs: 1000 });
    expect(JSON.stringify(lines)).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(lines)).not.toContain(BOT_TOKEN.split(':')[1]);
  });

  it('describe() names the webhook and the setWebhook call, with placeholders for the token and secret', async () => {
    const { adapter } = await channel('webhook');
    const text = adapter.describe().join('\n');
    expect(text).toContain('https://support.example-casino.com/webhooks/telegram');
    expect(text).toContain('/bot$TELEGRAM_BOT_TOKEN/setWebhook');
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toMatch(/only calls HTTPS/);
  });
});
