import { createServer } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { startTestServer } from '../../support/server.js';
import { BOT_TOKEN } from './support.js';

/** telegram-test-api treats port 0 as "use 9000", so ask the OS for a free port first. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

let emulator: TelegramServer | undefined;
let app: CroupierHandle | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await emulator?.stop();
  emulator = undefined;
});

describe('telegram through the telegram-test-api emulator (long polling)', () => {
  it('answers a user message and a button press', async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
    await emulator.start();
    app = await startTestServer({
      yaml: `channels:\n  telegram:\n    enabled: true\n    mode: polling\n    apiRoot: ${emulator.config.apiURL}\n`,
      env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN },
      watchContent: false,
    });
    const client = emulator.getClient(BOT_TOKEN, { userId: 5151, chatId: 5151, firstName: 'Jonas', timeout: 20_000, interval: 50 });

    await client.sendMessage(client.makeMessage('hello'));
    const greeting = await client.getUpdates();
    const reply = greeting.result[0]?.message as {
      text?: string;
      reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
    };
    expect(reply.text).toMatch(/Royal Ace support assistant/);
    const button = reply.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === 'flow:withdrawal_status');
    expect(button?.text).toBe('Withdrawal status');

    await client.sendCallback(client.makeCallbackQuery(button?.callback_data ?? ''));
    const answer = await client.getUpdates();
    expect((answer.result[0]?.message as { text?: string }).text).toMatch(/e-mail address on your account/);

    const conversation = await app.store.conversations.findByKey('telegram', '5151');
    const entries = await app.store.transcript.list(conversation?.id ?? '');
    expect(entries.filter((entry) => entry.direction === 'in').map((entry) => entry.payload ?? entry.text)).toEqual([
      'hello',
      'flow:withdrawal_status',
    ]);
  });
});
