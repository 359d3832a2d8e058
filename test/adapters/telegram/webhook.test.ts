import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callbackData } from '../../../adapters/telegram/outbound.js';
import { signStartToken } from '../../../adapters/telegram/start-token.js';
import { withRetries } from '../../../src/core/delivery.js';
import { CroupierError, isCroupierError } from '../../../src/core/errors.js';
import { textMessage } from '../../../src/core/message.js';
import { signPlayerToken } from '../../../src/core/player-token.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { startTestServer } from '../../support/server.js';
import { FakeBotApi, blocked, serverError, tooManyRequests, type BotApiCall } from './fake-bot-api.js';
import { BOT_TOKEN, CHAT_ID, PLAYER_TOKEN_SECRET, WEBHOOK_SECRET, recorded, type Update } from './support.js';

let api: FakeBotApi;
let app: CroupierHandle | undefined;
let slept: number[];

beforeEach(async () => {
  api = await FakeBotApi.start();
  slept = [];
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await api.close();
});

const yaml = (mode = 'webhook') => `channels:\n  telegram:\n    enabled: true\n    mode: ${mode}\n    apiRoot: ${api.url}\n`;
const ENV = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, CROUPIER_PLAYER_TOKEN_SECRET: PLAYER_TOKEN_SECRET };

async function start(env: Record<string, string> = ENV): Promise<CroupierHandle> {
  app = await startTestServer({
    yaml: yaml(),
    env,
    watchContent: false,
    // The shared retry policy's waits are recorded instead of slept.
    deliveryRetries: { sleep: async (ms) => void slept.push(ms) },
  });
  return app;
}

/** `secret: null` sends no secret header at all. */
async function post(update: unknown, secret: string | null = WEBHOOK_SECRET, raw?: string) {
  const response = await fetch(`${app?.url}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body: raw ?? JSON.stringify(update),
  });
  const text = await response.text();
  return { status: response.status, text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const toChat = (call: BotApiCall) => String(call.body['chat_id']) === String(CHAT_ID);
const keyboard = (call: BotApiCall) =>
  (call.body['reply_markup'] as { inline_keyboard: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard;

async function transcript() {
  const conversation = await app?.store.conversations.findByKey('telegram', String(CHAT_ID));
  return conversation ? ((await app?.store.transcript.list(conversation.id)) ?? []) : [];
}

/** Waits until every outbound entry has a delivery outcome (the turn ran in the background). */
async function settled() {
  await vi.waitFor(async () => {
    const entries = await transcript();
    expect(entries.some((entry) => entry.direction === 'out')).toBe(true);
    expect(entries.filter((entry) => entry.direction === 'out' && entry.delivery === 'pending')).toEqual([]);
  });
  return transcript();
}

describe('telegram webhook', () => {
  it('answers a text message with the greeting and an inline keyboard of the menu', async () => {
    await start();
    const response = await post(recorded('text'));
    expect(response.status).toBe(200);
    const sent = await api.waitFor('sendMessage', toChat);
    expect(sent.token).toBe(BOT_TOKEN);
    expect(sent.body['text']).toMatch(/Royal Ace support assistant/);
    const rows = keyboard(sent);
    expect(rows?.length).toBeGreaterThanOrEqual(2);
    expect(rows?.every((row) => row.length === 1)).toBe(true);
    expect(rows?.flat()).toContainEqual({ text: 'Withdrawal status', callback_data: 'flow:withdrawal_status' });
    expect(sent.body['parse_mode']).toBeUndefined();

    const entries = await settled();
    expect(entries[0]).toMatchObject({ direction: 'in', text: 'hello', platformMessageId: `${CHAT_ID}:101` });
    expect(entries[1]).toMatchObject({ direction: 'out', delivery: 'sent', platformMessageId: `${CHAT_ID}:1001` });
    const player = await app?.store.players.findOrCreateByAccount({ channel: 'telegram', userId: String(CHAT_ID) }, { at: new Date() });
    expect(player?.displayName).toBe('Ana García');
  });

  it('maps a callback query to its button payload and always answers it', async () => {
    await start();
    expect((await post(recorded('callback-query'))).status).toBe(200);
    const answered = await api.waitFor('answerCallbackQuery');
    expect(answered.body['callback_query_id']).toBe('1773467382914820317');
    // Unverified: the withdrawal flow (chosen by the payload) asks who the player is.
    const sent = await api.waitFor('sendMessage', toChat);
    expect(sent.body['text']).toMatch(/e-mail address on your account/);
    const entries = await settled();
    expect(entries[0]).toMatchObject({ direction: 'in', payload: 'flow:withdrawal_status', text: 'Withdrawals' });

    // A query the bot ignores (a button in a group) is answered all the same.
    const group = recorded('callback-query', (u) => {
      u.update_id += 1;
      u.callback_query.id = 'group-query';
      (u.callback_query.message as unknown as { chat: unknown }).chat = { id: -42, type: 'group' };
    });
    expect((await post(group)).status).toBe(200);
    expect((await api.waitFor('answerCallbackQuery', (call) => call.body['callback_query_id'] === 'group-query')).method).toBe(
      'answerCallbackQuery',
    );
  });

  it('/start with a deep-link player token links the verified player and keeps the token out of the transcript', async () => {
    await start();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = signStartToken({ sub: 'P-1003', exp }, PLAYER_TOKEN_SECRET);
    expect((await post(recorded('start-payload', (u) => (u.message.text = `/start ${token}`)))).status).toBe(200);

    const greeting = await api.waitFor('sendMessage', toChat);
    expect(greeting.body['text']).toMatch(/Royal Ace support assistant/);
    const linked = await app?.store.players.findByCasinoId('P-1003');
    expect(linked).toBeDefined();
    expect(await app?.store.players.accounts(linked?.id ?? '')).toContainEqual({ channel: 'telegram', userId: String(CHAT_ID) });
    const entries = await settled();
    expect(entries[0]).toMatchObject({ direction: 'in', text: '/start', payload: 'flow:greeting' });
    expect(JSON.stringify(entries)).not.toContain(token);

    // Verified: the withdrawal button answers with the account's withdrawal at once (no e-mail asked).
    const from = api.calls.length;
    await post(recorded('callback-query'));
    const status = await api.waitFor('sendMessage', toChat, from);
    expect(status.body['text']).toMatch(/is being processed/);
  });

  it('/start with a standard signed player token links too; a bad token continues unverified', async () => {
    await start();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const standard = signPlayerToken({ sub: 'P-1004', exp, name: 'Emily' }, PLAYER_TOKEN_SECRET);
    await post(recorded('start-payload', (u) => (u.message.text = `/start ${standard}`)));
    await api.waitFor('sendMessage', toChat);
    expect(await app?.store.players.findByCasinoId('P-1004')).toBeDefined();

    const forged = signPlayerToken({ sub: 'P-1005', exp }, 'not-the-secret');
    const from = api.calls.length;
    const response = await post(
      recorded('start-payload', (u) => {
        u.update_id += 1;
        u.message.message_id += 1;
        u.message.text = `/start ${forged}`;
      }),
    );
    expect(response.status).toBe(200);
    await api.waitFor('sendMessage', toChat, from);
    expect(await app?.store.players.findByCasinoId('P-1005')).toBeUndefined();
    expect(JSON.stringify(await settled())).not.toContain(forged);
  });

  it('passes an ordinary /start parameter on and greets', async () => {
    await start();
    await post(recorded('start-payload'));
    const sent = await api.waitFor('sendMessage', toChat);
    expect(sent.body['text']).toMatch(/Royal Ace support assistant/);
    expect((await settled())[0]).toMatchObject({ text: '/start ref_spring_promo', payload: 'flow:greeting' });
  });

  it('stores photos and documents as attachments and answers them', async () => {
    await start();
    await post(recorded('photo'));
    await api.waitFor('sendMessage', toChat);
    await post(recorded('document'));
    await vi.waitFor(() => expect(api.callsOf('sendMessage')).toHaveLength(2));
    const entries = await settled();
    const inbound = entries.filter((entry) => entry.direction === 'in');
    expect(inbound[0]).toMatchObject({
      text: 'screenshot of my deposit',
      attachments: [{ kind: 'image', platformFileId: 'AgACAgQAAxkBAAIBY2Wlarge', caption: 'screenshot of my deposit' }],
    });
    expect(inbound[1]?.attachments).toEqual([
      { kind: 'document', platformFileId: 'BQACAgQAAxkBAAIBZGWdoc', mimeType: 'application/pdf', fileName: 'bank-statement.pdf' },
    ]);
  });

  it('acknowledges edited messages, other update kinds and group messages without answering', async () => {
    await start();
    for (const name of ['edited-message', 'my-chat-member', 'group-message']) {
      const response = await post(recorded(name));
      expect(response.status, name).toBe(200);
    }
    // A text afterwards is answered, and it is the only thing answered.
    await post(recorded('text'));
    await api.waitFor('sendMessage', toChat);
    const entries = await settled();
    expect(entries.filter((entry) => entry.direction === 'in').map((entry) => entry.text)).toEqual(['hello']);
    expect(api.callsOf('sendMessage')).toHaveLength(1);
    expect(await app?.store.conversations.findByKey('telegram', '-1001234567890')).toBeUndefined();
  });

  it('answers a redelivered update once', async () => {
    await start();
    const update = recorded('text');
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    await settled();
    expect((await post(update)).status).toBe(200);
    expect(api.callsOf('sendMessage')).toHaveLength(1);
    expect((await transcript()).filter((entry) => entry.direction === 'in')).toHaveLength(1);
  });

  it('refuses a wrong or missing secret with 401 and the coded body, before reading the body', async () => {
    await start();
    for (const secret of ['wrong-secret', null, '', `${WEBHOOK_SECRET}x`]) {
      const response = await post(recorded('text'), secret);
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_UNAUTHORIZED' } });
      expect(Object.keys(response.json ?? {})).toEqual(['error']);
    }
    expect((await post(undefined, 'wrong', '{not json')).status).toBe(401);
    expect(await transcript()).toEqual([]);
    expect(api.callsOf('sendMessage')).toEqual([]);
  });

  it('refuses malformed and oversized bodies with coded 400 and 413', async () => {
    await start();
    const malformed = await post(undefined, WEBHOOK_SECRET, '{"update_id": 1,');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_INVALID' } });
    const notAnUpdate = await post({ message: { text: 'hi' } });
    expect(notAnUpdate.status).toBe(400);
    expect(notAnUpdate.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_INVALID' } });
    const huge = await post(recorded('text', (u) => (u.message.text = 'x'.repeat(1_100_000))));
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_TOO_LARGE' } });
    // The server is fine afterwards.
    expect((await post(recorded('text'))).status).toBe(200);
    await api.waitFor('sendMessage', toChat);
  });

  it('retries a 429 after retry_after, and a 500, through the shared policy', async () => {
    await start();
    api.failNext('sendMessage', tooManyRequests(3), serverError());
    await post(recorded('text'));
    const entries = await settled();
    expect(api.callsOf('sendMessage')).toHaveLength(3);
    expect(slept[0]).toBe(3000);
    expect(slept).toHaveLength(2);
    expect(entries.at(-1)).toMatchObject({ direction: 'out', delivery: 'sent' });
  });

  it('does not retry a permanent failure (the player blocked the bot)', async () => {
    await start();
    api.failNext('sendMessage', blocked());
    await post(recorded('text'));
    const entries = await settled();
    expect(api.callsOf('sendMessage')).toHaveLength(1);
    expect(slept).toEqual([]);
    expect(entries.at(-1)).toMatchObject({ direction: 'out', delivery: 'failed' });
  });

  it('acknowledges only once the update is stored: a store failure is a 5xx, and the redelivery is answered', async () => {
    await start();
    const claim = vi
      .spyOn(app!.store.receipts, 'claim')
      .mockRejectedValueOnce(new CroupierError('CROUPIER_STORE_UNAVAILABLE', 'database is locked'));
    const failed = await post(recorded('text'));
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ error: { code: 'CROUPIER_STORE_UNAVAILABLE' } });
    expect(api.callsOf('sendMessage')).toEqual([]);
    claim.mockRestore();
    expect((await post(recorded('text'))).status).toBe(200);
    await settled();
    expect(api.callsOf('sendMessage')).toHaveLength(1);
  });

  it('answers 502 at once when getMe fails before the first update, and works on the redelivery', async () => {
    await start();
    api.failNext('getMe', serverError());
    const failed = await post(recorded('text'));
    expect(failed.status).toBe(502);
    expect(failed.json).toMatchObject({ error: { code: 'CROUPIER_PLATFORM_API' } });
    expect(await transcript()).toEqual([]);
    expect((await post(recorded('text'))).status).toBe(200);
    await settled();
    expect(api.callsOf('getMe')).toHaveLength(2);
    expect(api.callsOf('sendMessage')).toHaveLength(1);
  });

  it('resumes a long reply where it failed instead of repeating the parts already sent', async () => {
    await start();
    const telegram = app!.channels.find((channel) => channel.id === 'telegram')!;
    const deliver = withRetries((target, outbound, entry) => telegram.send(target, outbound, entry), { sleep: async () => {} });
    const paragraph = (n: number) => `${String(n).repeat(3000)}`;
    // Two pieces and one retry: three calls, within the chat's burst (so the throttle never waits here).
    const long = textMessage(`${paragraph(1)}\n\n${paragraph(2)}`, [{ label: 'OK', payload: 'ok' }]);
    const entry = { id: 'e1', seq: 7, conversationId: 'c1', direction: 'out', author: 'bot', at: new Date() } as const;
    api.failNext(
      'sendMessage',
      { status: 200, body: { ok: true, result: { message_id: 1, date: 1, chat: { id: CHAT_ID, type: 'private' } } } },
      tooManyRequests(1),
    );
    const receipt = await deliver({ channel: 'telegram', conversationKey: String(CHAT_ID), conversationId: 'c1' }, long, entry);
    const texts = api.callsOf('sendMessage').map((call) => String(call.body['text']).slice(0, 1));
    expect(texts).toEqual(['1', '2', '2']);
    expect(api.callsOf('sendMessage').every((call) => String(call.body['text']).length <= 4096)).toBe(true);
    // The buttons come with the last piece only.
    expect(api.callsOf('sendMessage').map((call) => keyboard(call) !== undefined)).toEqual([false, true, true]);
    expect(receipt).toMatchObject({ platformMessageId: expect.stringMatching(new RegExp(`^${CHAT_ID}:`)) as unknown });
  });

  it('sends media with captions, and a caption too long for Telegram after it', async () => {
    await start();
    const telegram = app!.channels.find((channel) => channel.id === 'telegram')!;
    const target = { channel: 'telegram', conversationKey: String(CHAT_ID), conversationId: 'c1' };
    await telegram.send(target, {
      kind: 'media',
      media: { kind: 'image', url: 'https://cdn.example/limits.png', caption: 'Limits' },
      author: 'agent',
    });
    expect(api.callsOf('sendPhoto')[0]?.body).toMatchObject({
      chat_id: String(CHAT_ID),
      photo: 'https://cdn.example/limits.png',
      caption: 'Limits',
    });
    await telegram.send(target, {
      kind: 'media',
      media: { kind: 'document', url: 'https://cdn.example/terms.pdf', caption: 'x'.repeat(1500) },
      author: 'agent',
    });
    expect(api.callsOf('sendDocument')[0]?.body['caption']).toBeUndefined();
    expect(api.callsOf('sendMessage').at(-1)?.body['text']).toBe('x'.repeat(1500));
    // The typing indicator is best effort: a failure does not throw.
    api.failNext('sendChatAction', serverError());
    await telegram.send(target, { kind: 'typing', on: true });
    expect(api.callsOf('sendChatAction')).toHaveLength(1);
  });

  it('maps a button whose payload was too long for callback_data back to the payload', async () => {
    await start();
    const longPayload = `goto:${'confirm_withdrawal_cancellation_'.repeat(3)}`;
    const player = await app!.store.players.findOrCreateByAccount({ channel: 'telegram', userId: String(CHAT_ID) }, { at: new Date() });
    const conversation = await app!.store.conversations.findOrCreate(
      { channel: 'telegram', conversationKey: String(CHAT_ID) },
      { playerId: player.id, language: 'en', at: new Date() },
    );
    await app!.store.transcript.append({
      conversationId: conversation.id,
      direction: 'out',
      author: 'bot',
      text: 'Sure?',
      buttons: [{ label: 'Yes, cancel it', payload: longPayload }],
      at: new Date(),
    });
    const data = callbackData(longPayload);
    expect(data.length).toBeLessThanOrEqual(64);
    await post(
      recorded('callback-query', (u) => {
        u.callback_query.data = data;
        u.callback_query.message.reply_markup.inline_keyboard = [[{ text: 'Yes, cancel it', callback_data: data }]];
      }),
    );
    await api.waitFor('answerCallbackQuery');
    await vi.waitFor(async () => expect((await transcript()).filter((entry) => entry.direction === 'in')).toHaveLength(1));
    expect((await transcript()).find((entry) => entry.direction === 'in')).toMatchObject({ payload: longPayload, text: 'Yes, cancel it' });
  });

  it('describes the webhook to register, with a setWebhook hint and no secrets', async () => {
    await start();
    const telegram = app?.channels.find((channel) => channel.id === 'telegram');
    const lines = telegram?.describe() ?? [];
    expect(lines.join('\n')).toContain(`${app?.url}/webhooks/telegram`);
    expect(lines.some((line) => line.includes('setWebhook') && line.includes('secret_token=$TELEGRAM_WEBHOOK_SECRET'))).toBe(true);
    expect(lines.join('\n')).not.toContain(BOT_TOKEN);
    expect(lines.join('\n')).not.toContain(WEBHOOK_SECRET);
  });
});

describe('telegram configuration', () => {
  async function refused(env: Record<string, string>, mode = 'webhook') {
    try {
      app = await startTestServer({ yaml: yaml(mode), env, watchContent: false });
    } catch (error) {
      expect(isCroupierError(error, 'CROUPIER_CONFIG_INVALID')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('the server started');
  }

  it('names the missing variable when the channel is enabled without it', async () => {
    expect(await refused({ TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET })).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(await refused({ TELEGRAM_BOT_TOKEN: BOT_TOKEN })).toMatch(/TELEGRAM_WEBHOOK_SECRET/);
    expect(await refused({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: 'has spaces' })).toMatch(/TELEGRAM_WEBHOOK_SECRET/);
    const malformed = await refused({ TELEGRAM_BOT_TOKEN: 'not-a-token', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(malformed).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(malformed).not.toContain('not-a-token');
  });

  it('needs no webhook secret in polling mode, and registers no webhook route', async () => {
    app = await startTestServer({ yaml: yaml('polling'), env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN }, watchContent: false });
    const response = await fetch(`${app.url}/webhooks/telegram`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(404);
    expect(
      app.channels
        .find((channel) => channel.id === 'telegram')
        ?.describe()
        .join('\n'),
    ).toMatch(/long polling/);
  });
});

export type { Update };
