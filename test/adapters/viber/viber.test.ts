import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PAYLOAD_PREFIX } from '../../../adapters/viber/render.js';
import { isCroupierError } from '../../../src/core/errors.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import type { TranscriptEntry } from '../../../src/store/store.js';
import { startTestServer } from '../../support/server.js';
import { FakeViber, sign } from './fake-viber.js';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

/** Above 2^53 (9007199254740992): JSON.parse would round these. */
const BIG_TOKEN = '5491868270543986945';
/** Rounds to the same double as BIG_TOKEN: only an exact parse keeps the two messages apart. */
const BIG_TOKEN_NEIGHBOUR = '5491868270543986946';

function texts(language: string): Record<string, string> {
  return (parseYaml(readFileSync(`flows/texts/${language}.yaml`, 'utf8')) as { texts: Record<string, string> }).texts;
}
const en = texts('en');
const es = texts('es');

// Documented callback bodies (https://developers.viber.com/docs/api/rest-bot-api/#callbacks),
// written as text so 64-bit tokens stay bare JSON numbers, exactly as Viber sends them.
const user = (id: string, language = 'en') =>
  `{"id":${JSON.stringify(id)},"name":"John McClane","avatar":"http://avatar.example.com","country":"UK","language":"${language}","api_version":1}`;
const textCallback = (token: string, userId: string, text: string, trackingData?: string) =>
  `{"event":"message","timestamp":1457764197627,"chat_hostname":"SN-376_","message_token":${token},"sender":${user(userId)},` +
  `"message":{"type":"text","text":${JSON.stringify(text)}${trackingData === undefined ? '' : `,"tracking_data":${JSON.stringify(trackingData)}`}},"silent":false}`;
const conversationStarted = (token: string, userId: string, language: string) =>
  `{"event":"conversation_started","timestamp":1457764197627,"chat_hostname":"SN-376_","message_token":${token},"type":"open","context":"context information","user":${user(userId, language)},"subscribed":false}`;
const subscribed = (token: string, userId: string) =>
  `{"event":"subscribed","timestamp":1457764197627,"chat_hostname":"SN-376_","user":${user(userId)},"message_token":${token}}`;
const unsubscribed = (token: string, userId: string) =>
  `{"event":"unsubscribed","timestamp":1457764197627,"chat_hostname":"SN-376_","user_id":${JSON.stringify(userId)},"message_token":${token}}`;
const receipt = (event: 'delivered' | 'seen' | 'failed', token: string, userId: string) =>
  `{"event":"${event}","timestamp":1457764197627,"chat_hostname":"SN-376_","message_token":${token},"user_id":${JSON.stringify(userId)}${event === 'failed' ? ',"desc":"failure description"' : ''}}`;
const webhookCheck = '{"event":"webhook","timestamp":1457764197627,"chat_hostname":"SN-212_","message_token":5491868270543986947}';

let fake: FakeViber;
let app: CroupierHandle;
const retryDelays: number[] = [];
let nextToken = 4912661846655238145n;
const freshToken = () => (nextToken++).toString();

beforeAll(async () => {
  fake = await FakeViber.start(TOKEN);
  app = await startTestServer({
    watchContent: false,
    env: { VIBER_AUTH_TOKEN: TOKEN },
    yaml: `server:\n  publicUrl: https://support.example.com\nchannels:\n  viber:\n    enabled: true\n    apiUrl: ${fake.url}\n    botName: Royal Ace\n    avatar: https://example.com/avatar.png\n`,
    deliveryRetries: { sleep: async (ms) => void retryDelays.push(ms), random: () => 0.5 },
  });
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

async function post(body: string, signature: string | null = sign(TOKEN, body)): Promise<{ status: number; text: string }> {
  const response = await fetch(`${app.url}/webhooks/viber`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-viber-content-signature': signature }) },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function transcript(userId: string): Promise<TranscriptEntry[]> {
  const conversation = await app.store.conversations.findByKey('viber', userId);
  return conversation ? app.store.transcript.list(conversation.id) : [];
}

/** The send_message calls made to one player. */
const sentTo = (userId: string) => fake.sent().filter((call) => call.body['receiver'] === userId);

interface Keyboard {
  Type: string;
  Buttons: { Columns: number; Rows: number; ActionType: string; ActionBody: string; Text: string }[];
}

describe('Viber channel', () => {
  it('answers Viber’s webhook check with 200', async () => {
    expect(await post(webhookCheck)).toEqual({ status: 200, text: '' });
  });

  it('answers a text message through send_message, signed sender and auth token, with a keyboard of the menu', async () => {
    const calls = fake.calls.length;
    const response = await post(textCallback(freshToken(), 'hello-user=', 'hello'));
    expect(response.status).toBe(200);
    await fake.waitForCalls(calls + 1);
    const [call] = sentTo('hello-user=');
    expect(call?.token).toBe(TOKEN);
    expect(call?.body).toMatchObject({
      receiver: 'hello-user=',
      type: 'text',
      text: en['greeting.welcome'],
      sender: { name: 'Royal Ace', avatar: 'https://example.com/avatar.png' },
    });
    const keyboard = call?.body['keyboard'] as Keyboard;
    expect(keyboard.Type).toBe('keyboard');
    expect(keyboard.Buttons.map((b) => b.Text)).toEqual([
      en['menu.deposits'],
      en['menu.withdrawals'],
      en['menu.bonuses'],
      en['menu.login'],
      en['menu.human'],
    ]);
    for (const button of keyboard.Buttons) {
      expect(button.ActionType).toBe('reply');
      expect(button.ActionBody.startsWith(`${PAYLOAD_PREFIX}flow:`)).toBe(true);
      expect(button.Rows).toBe(1);
    }
    // Labels of up to 18 characters go two to a row; the odd fifth fills its row.
    expect(keyboard.Buttons.map((b) => b.Columns)).toEqual([3, 3, 3, 3, 6]);
  });

  it('maps a pressed keyboard button back to its payload and stores the label the player saw', async () => {
    const calls = fake.calls.length;
    await post(textCallback(freshToken(), 'button-user=', 'hello'));
    await fake.waitForCalls(calls + 1);
    const menu = sentTo('button-user=')[0]!.body;
    const withdrawals = (menu['keyboard'] as Keyboard).Buttons.find((b) => b.Text === en['menu.withdrawals'])!;
    expect(withdrawals.ActionBody).toBe(`${PAYLOAD_PREFIX}flow:withdrawal_status`);

    // Viber sends the ActionBody as the message text, with the tracking_data of our last message.
    const pressed = await post(textCallback(freshToken(), 'button-user=', withdrawals.ActionBody, menu['tracking_data'] as string));
    expect(pressed.status).toBe(200);
    await fake.waitForCalls(calls + 2);
    const entries = await transcript('button-user=');
    const press = entries.filter((e) => e.direction === 'in').at(-1);
    expect(press).toMatchObject({ payload: 'flow:withdrawal_status', text: en['menu.withdrawals'] });
    const conversation = await app.store.conversations.findByKey('viber', 'button-user=');
    const started = await app.store.events.list({ conversationId: conversation!.id, type: 'flow.started' });
    expect(started.map((e) => e.data?.['flow'])).toContain('withdrawal_status');
    expect(sentTo('button-user=')).toHaveLength(2);
  });

  it('keeps a message_token above 2^53 exact in the receipts and the transcript, and tells neighbours apart', async () => {
    const calls = fake.calls.length;
    expect((await post(textCallback(BIG_TOKEN, 'big-token-user=', 'hello'))).status).toBe(200);
    expect((await post(textCallback(BIG_TOKEN_NEIGHBOUR, 'big-token-user=', 'thanks'))).status).toBe(200);
    await fake.waitForCalls(calls + 2);
    // Both answered: rounded, the two tokens would be one, and the second would be dropped as a duplicate.
    expect(sentTo('big-token-user=')).toHaveLength(2);
    const inbound = (await transcript('big-token-user=')).filter((e) => e.direction === 'in');
    expect(inbound.map((e) => e.platformMessageId)).toEqual([BIG_TOKEN, BIG_TOKEN_NEIGHBOUR]);
    expect((inbound[0]?.raw as { message_token: unknown }).message_token).toBe(BIG_TOKEN);
    // The receipt is keyed by the exact token: the same token again is a duplicate.
    expect(await app.store.receipts.claim('viber', BIG_TOKEN, new Date())).toBe(false);
    // The platform's own id of our reply (also 64-bit) is kept exact on the outbound entry.
    const out = (await transcript('big-token-user=')).filter((e) => e.direction === 'out');
    expect(out[0]?.platformMessageId).toBe(sentTo('big-token-user=')[0]?.messageToken);
    expect(BigInt(out[0]!.platformMessageId!)).toBeGreaterThan(2n ** 53n);
  });

  it('acknowledges a message once it is stored, before the turn (and its slow send) is done', async () => {
    const token = freshToken();
    const calls = fake.calls.length;
    fake.hold();
    try {
      expect((await post(textCallback(token, 'slow-api-user=', 'hello'))).status).toBe(200);
      await fake.waitForCalls(calls + 1);
      // Acknowledged while the reply is still on its way: the message sits in the inbox until the turn ends.
      const inbox = await app.store.receipts.unsettled();
      expect(inbox.find((inbound) => inbound.platformMessageId === token)).toMatchObject({
        channel: 'viber',
        conversationKey: 'slow-api-user=',
      });
    } finally {
      fake.release();
    }
    // The next message of the conversation is answered after the held turn: nothing was lost.
    await post(textCallback(freshToken(), 'slow-api-user=', 'thanks'));
    await fake.waitForCalls(calls + 2);
    expect(sentTo('slow-api-user=')).toHaveLength(2);
  });

  it('answers a redelivered message once', async () => {
    const token = freshToken();
    const body = textCallback(token, 'duplicate-user=', 'hello');
    const calls = fake.calls.length;
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    await fake.waitForCalls(calls + 1);
    // A later message's answer proves the redelivery's turn would have come before it.
    await post(textCallback(freshToken(), 'duplicate-user=', 'thanks'));
    await fake.waitForCalls(calls + 2);
    expect(sentTo('duplicate-user=')).toHaveLength(2);
    expect((await transcript('duplicate-user=')).filter((e) => e.direction === 'in')).toHaveLength(2);
  });

  it('answers conversation_started with the greeting as the HTTP response, in the player’s language, without send_message', async () => {
    const calls = fake.calls.length;
    const response = await post(conversationStarted(freshToken(), 'welcome-es=', 'es'));
    expect(response.status).toBe(200);
    const welcome = JSON.parse(response.text) as Record<string, unknown>;
    expect(welcome).toMatchObject({ type: 'text', text: es['greeting.welcome'], sender: { name: 'Royal Ace' } });
    expect(welcome['receiver']).toBeUndefined();
    const keyboard = welcome['keyboard'] as Keyboard;
    expect(keyboard.Buttons.map((b) => b.Text)).toContain(es['menu.deposits']);
    expect(typeof welcome['tracking_data']).toBe('string');
    expect(fake.calls.length).toBe(calls);
    // The greeting is in the transcript, answered (sent) like any reply.
    const entries = await transcript('welcome-es=');
    expect(entries.find((e) => e.direction === 'out')).toMatchObject({ text: es['greeting.welcome'], delivery: 'sent' });

    const english = await post(conversationStarted(freshToken(), 'welcome-en=', 'en'));
    expect((JSON.parse(english.text) as { text: string }).text).toBe(en['greeting.welcome']);
  });

  it('handles subscribed, unsubscribed, delivered, seen and failed without replying, recording delivery statuses once', async () => {
    const calls = fake.calls.length;
    await post(textCallback(freshToken(), 'events-user=', 'hello'));
    await fake.waitForCalls(calls + 1);
    const replyToken = sentTo('events-user=')[0]?.messageToken;
    expect(replyToken).toBeDefined();
    for (const body of [
      subscribed(freshToken(), 'events-user='),
      receipt('delivered', replyToken!, 'events-user='),
      receipt('delivered', replyToken!, 'events-user='),
      receipt('seen', replyToken!, 'events-user='),
      receipt('failed', freshToken(), 'events-user='),
      unsubscribed(freshToken(), 'events-user='),
    ]) {
      expect(await post(body)).toEqual({ status: 200, text: '' });
    }
    // The next message gets one answer: nothing was sent for the events before it.
    await post(textCallback(freshToken(), 'events-user=', 'thanks'));
    await fake.waitForCalls(calls + 2);
    expect(sentTo('events-user=')).toHaveLength(2);
    expect((await transcript('events-user=')).filter((e) => e.direction === 'in')).toHaveLength(2);
    const conversation = await app.store.conversations.findByKey('viber', 'events-user=');
    const statuses = await app.store.events.list({ conversationId: conversation!.id, type: 'message.status' });
    expect(statuses.map((e) => [e.data?.['status'], e.data?.['platformMessageId'] === replyToken])).toEqual([
      ['delivered', true],
      ['read', true],
      ['failed', false],
    ]);
  });

  it('refuses a bad or missing signature with 401, a malformed body with 400, an oversized one with 413', async () => {
    const body = textCallback(freshToken(), 'intruder=', 'hello');
    const bad = await post(body, sign('another-token', body));
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: 'CROUPIER_INPUT_UNAUTHORIZED' } });
    expect((await post(body, null)).status).toBe(401);
    // A body changed after signing fails too: the signature covers the exact bytes.
    expect((await post(body.replace('hello', 'hellO'), sign(TOKEN, body))).status).toBe(401);

    const malformed = await post('{"event":"message",');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: 'CROUPIER_INPUT_INVALID' } });
    const noSender = await post('{"event":"message","message_token":1,"message":{"type":"text","text":"hi"}}');
    expect(noSender.status).toBe(400);
    const refused = JSON.parse(noSender.text) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe('CROUPIER_INPUT_INVALID');
    expect(refused.error.message).toContain('sender');
    expect((await post('[1,2]')).status).toBe(400);

    const huge = textCallback(freshToken(), 'intruder=', 'x'.repeat(300_000));
    const tooLarge = await post(huge);
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text)).toMatchObject({ error: { code: 'CROUPIER_INPUT_TOO_LARGE' } });
    expect(await transcript('intruder=')).toEqual([]);
  });

  it('retries a send that Viber refused with status 12 (rate limit), and gives up at once on status 6 (not subscribed)', async () => {
    const calls = fake.calls.length;
    fake.answerNext({ viberStatus: 12, message: 'tooManyRequests' });
    const delaysBefore = retryDelays.length;
    await post(textCallback(freshToken(), 'retry-user=', 'hello'));
    await fake.waitForCalls(calls + 2);
    const [first, second] = sentTo('retry-user=');
    expect(second?.body).toEqual(first?.body);
    expect(retryDelays.length).toBe(delaysBefore + 1);

    fake.answerNext({ viberStatus: 6, message: 'receiverNotSubscribed' });
    await post(textCallback(freshToken(), 'unsubscribed-user=', 'hello'));
    await fake.waitForCalls(calls + 3);
    // A next message in each conversation runs after the previous turn finished (per-conversation
    // ordering), so once it is answered the first turn's delivery state is recorded.
    await post(textCallback(freshToken(), 'retry-user=', 'thanks'));
    await post(textCallback(freshToken(), 'unsubscribed-user=', 'thanks'));
    await fake.waitForCalls(calls + 5);
    expect(sentTo('unsubscribed-user=')).toHaveLength(2);
    expect(retryDelays.length).toBe(delaysBefore + 1);
    const retried = (await transcript('retry-user=')).filter((e) => e.direction === 'out');
    expect(retried[0]).toMatchObject({ delivery: 'sent', platformMessageId: second?.messageToken });
    const failed = (await transcript('unsubscribed-user=')).filter((e) => e.direction === 'out');
    expect(failed[0]).toMatchObject({ delivery: 'failed' });
    const conversation = await app.store.conversations.findByKey('viber', 'unsubscribed-user=');
    const events = await app.store.events.list({ conversationId: conversation!.id, type: 'message.failed' });
    expect(events[0]?.data).toMatchObject({ channel: 'viber', code: 'CROUPIER_PLATFORM_API' });
  });

  it('describes the webhook URL and how to register it', () => {
    const viber = app.channels.find((channel) => channel.id === 'viber');
    expect(viber?.describe().join('\n')).toContain(
      'https://support.example.com/webhooks/viber; register it once the server is reachable: croupier viber set-webhook https://support.example.com/webhooks/viber',
    );
    expect(viber?.capabilities).toMatchObject({ buttons: { max: 6, labelMax: 40 }, textMax: 7000 });
  });
});

describe('Viber configuration', () => {
  it('refuses to start enabled without VIBER_AUTH_TOKEN, naming the variable', async () => {
    const failure = await startTestServer({
      watchContent: false,
      env: {},
      yaml: 'channels:\n  viber:\n    enabled: true\n',
    }).catch((error: unknown) => error);
    expect(isCroupierError(failure, 'CROUPIER_CONFIG_INVALID')).toBe(true);
    expect((failure as Error).message).toContain('VIBER_AUTH_TOKEN');
  });
});
