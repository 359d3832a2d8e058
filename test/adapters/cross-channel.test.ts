import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { postJson, startTestServer } from '../support/server.js';
import { FakeConnector } from './botframework/fake-connector.js';
import { webChatMessage } from './botframework/activities.js';
import { FakeBotApi } from './telegram/fake-bot-api.js';
import { BOT_TOKEN, CHAT_ID, WEBHOOK_SECRET, recorded } from './telegram/support.js';
import { FakeViber, sign as signViber } from './viber/fake-viber.js';
import {
  ACCESS_TOKEN,
  APP_SECRET,
  FakeGraph,
  PHONE_NUMBER_ID,
  VERIFY_TOKEN,
  messages,
  post as postWhatsapp,
  text,
} from './whatsapp-cloud/fake-graph.js';

/**
 * Issue #5 point 7: the same Spanish question from five players on five channels, one server.
 * Each must get the same answer from the same flow, rendered for its channel: Telegram's inline
 * keyboard, WhatsApp's numbered text (the labels are too long for its reply buttons and list rows),
 * Viber's keyboard, Bot Framework's suggested actions, and the web widget's quick replies. The
 * question does not say where the problem is ("la pagina no carga" would be answered at once).
 */
const QUESTION = 'tengo un problema tecnico';
const VIBER_TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

let app: CroupierHandle;
let telegram: FakeBotApi;
let graph: FakeGraph;
let viber: FakeViber;
let connector: FakeConnector;

beforeAll(async () => {
  [telegram, graph, viber, connector] = await Promise.all([
    FakeBotApi.start(),
    FakeGraph.start(),
    FakeViber.start(VIBER_TOKEN),
    FakeConnector.start(),
  ]);
  app = await startTestServer({
    yaml: [
      'server:',
      '  publicUrl: https://support.example-casino.com',
      'channels:',
      '  telegram:',
      '    enabled: true',
      `    apiRoot: ${telegram.url}`,
      '  whatsapp-cloud:',
      '    enabled: true',
      `    graphUrl: ${graph.url}`,
      `    phoneNumberId: '${PHONE_NUMBER_ID}'`,
      '  viber:',
      '    enabled: true',
      `    apiUrl: ${viber.url}`,
      '  botframework:',
      '    enabled: true',
      '',
    ].join('\n'),
    env: {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      WHATSAPP_CLOUD_TOKEN: ACCESS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      VIBER_AUTH_TOKEN: VIBER_TOKEN,
    },
    watchContent: false,
    deliveryRetries: { sleep: async () => undefined },
  });
});

afterAll(async () => {
  await app?.close();
  await Promise.all([telegram?.close(), graph?.close(), viber?.close(), connector?.close()]);
});

interface Answer {
  readonly text: string;
  readonly options: readonly string[];
}

describe('the same Spanish question on every channel', () => {
  it('gets the same answer everywhere, rendered for each channel', async () => {
    // Web: the HTTP API answers with the bot's replies.
    const web = await postJson(`${app.url}/web/messages`, { text: QUESTION, locale: 'es-ES' });
    expect(web.status).toBe(200);
    const [webReply] = web.json['replies'] as { text: string; buttons: { label: string }[] }[];
    const expected: Answer = { text: webReply!.text, options: webReply!.buttons.map((button) => button.label) };
    expect(expected.text).toMatch(/¿Dónde está el problema\?/);
    expect(expected.options.length).toBeGreaterThanOrEqual(2);

    // Telegram: a private-chat message through the webhook; an inline keyboard comes back.
    const update = recorded('text', (u) => {
      u.message.text = QUESTION;
    });
    (update['message'] as { from: { language_code: string } }).from.language_code = 'es';
    const tg = await fetch(`${app.url}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify(update),
    });
    expect(tg.status).toBe(200);
    const sent = await telegram.waitFor('sendMessage', (call) => String(call.body['chat_id']) === String(CHAT_ID));
    const keyboard = (sent.body['reply_markup'] as { inline_keyboard: { text: string }[][] }).inline_keyboard;
    const telegramAnswer: Answer = { text: String(sent.body['text']), options: keyboard.flat().map((button) => button.text) };

    // WhatsApp Cloud: a signed notification; the options exceed reply-button limits, so a list.
    const wa = await postWhatsapp(app.url, messages([text('wamid.CROSS1', QUESTION, new Date())]));
    expect(wa.status).toBe(200);
    await vi.waitFor(() => expect(graph.calls.length).toBeGreaterThan(0));
    // A list row title may hold 24 characters and "Un juego se colgó o se cerró" has 28, so
    // WhatsApp gets the options as numbered text, which a typed "1" answers.
    const whatsappBody = graph.calls[0]!.body as unknown as { type: string; text: { body: string } };
    expect(whatsappBody.type).toBe('text');
    const [whatsappText, menu] = whatsappBody.text.body.split('\n\n');
    const whatsappAnswer: Answer = {
      text: whatsappText ?? '',
      options: (menu ?? '').split('\n').map((line, index) => {
        expect(line.startsWith(`${index + 1}. `)).toBe(true);
        return line.slice(`${index + 1}. `.length);
      }),
    };

    // Viber: a signed callback; a keyboard comes back with the message.
    const body = `{"event":"message","timestamp":1457764197627,"chat_hostname":"SN-376_","message_token":5491868270543986999,"sender":{"id":"01234567890A=","name":"Lucía","language":"es","country":"ES","api_version":1},"message":{"type":"text","text":"${QUESTION}"},"silent":false}`;
    const vb = await fetch(`${app.url}/webhooks/viber`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-viber-content-signature': signViber(VIBER_TOKEN, body) },
      body,
    });
    expect(vb.status).toBe(200);
    await viber.waitForCalls(1);
    const viberCall = viber.sent()[0]!;
    const viberKeyboard = viberCall.body['keyboard'] as { Buttons: { Text: string }[] };
    const viberAnswer: Answer = {
      text: String(viberCall.body['text']),
      options: viberKeyboard.Buttons.map((button) => button.Text.replace(/<[^>]+>/g, '')),
    };

    // Bot Framework (Web Chat): an activity; suggested actions come back through the connector.
    const activity = webChatMessage(connector.url, 'cross-conversation-1', { text: QUESTION, locale: 'es-ES' });
    const bf = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    expect(bf.status).toBeLessThan(300);
    const [reply] = await connector.waitFor(1);
    const botframeworkAnswer: Answer = {
      text: String(reply!.activity.text),
      options: (reply!.activity.suggestedActions?.actions ?? []).map((action) => action.title),
    };

    expect({ telegram: telegramAnswer, whatsapp: whatsappAnswer, viber: viberAnswer, botframework: botframeworkAnswer }).toEqual({
      telegram: expected,
      whatsapp: expected,
      viber: expected,
      botframework: expected,
    });

    // Each conversation is its own, on its own channel, and all five were answered in Spanish.
    for (const channel of ['telegram', 'whatsapp-cloud', 'viber', 'botframework']) {
      const events = await app.store.events.list({ type: 'flow.started' });
      expect(events.length).toBeGreaterThanOrEqual(5);
      const conversations = await Promise.all(
        events.map(async (event) => (event.conversationId ? app.store.conversations.get(event.conversationId) : undefined)),
      );
      const here = conversations.filter((conversation) => conversation?.channel === channel);
      expect(here.map((conversation) => conversation?.language)).toEqual(['es']);
      expect(events.filter((event) => here.some((c) => c?.id === event.conversationId)).map((event) => event.data?.['flow'])).toEqual([
        'technical_issue',
      ]);
    }
  });
});
