import { afterEach, describe, expect, it } from 'vitest';
import { textMessage } from '../../../src/core/message.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { startTestServer, tempDir } from '../../support/server.js';
import {
  EMULATOR_BOT,
  EMULATOR_USER,
  emulatorConversationUpdate,
  emulatorMessage,
  smsMessage,
  TEAMS_USER,
  teamsMessage,
  webChatButton,
  webChatMessage,
} from './activities.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

const YAML = 'channels:\n  botframework:\n    enabled: true\n';
const APP_ID = '5f0c1e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f';

async function startConnector(): Promise<FakeConnector> {
  const connector = await FakeConnector.start();
  running.push(connector);
  return connector;
}

async function startApp(options: { yaml?: string; env?: NodeJS.ProcessEnv; sleeps?: number[]; dataDir?: string } = {}) {
  const sleeps = options.sleeps ?? [];
  const app: CroupierHandle = await startTestServer({
    yaml: options.yaml ?? YAML,
    env: options.env ?? {},
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    watchContent: false,
    deliveryRetries: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  });
  running.push(app);
  return app;
}

async function post(app: CroupierHandle, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

const errorCode = (json: Record<string, unknown> | undefined) => (json?.['error'] as { code?: string } | undefined)?.code;
const titles = (call: ConnectorCall | undefined) => call?.activity.suggestedActions?.actions.map((action) => action.title);

describe('Bot Framework channel: Web Chat and the Emulator', () => {
  it('acknowledges a Web Chat message and replies through the connector with suggested actions', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const activity = webChatMessage(connector.url, 'K7jsTKpNKDA1bzAF2J8Xta-o', { text: 'hi' });
    const response = await post(app, activity);
    expect(response.status).toBe(200);

    const [call] = await connector.waitFor(1);
    expect(call?.conversationId).toBe('K7jsTKpNKDA1bzAF2J8Xta-o');
    expect(call?.replyToId).toBe(activity['id']);
    expect(call?.activity).toMatchObject({
      type: 'message',
      textFormat: 'plain',
      from: { id: 'croupier-bot@Xz7-ab12' },
      recipient: { id: 'dl_2c7f6a2e-4b1d-4f83-9b7e-1f0c2d3e4a5b' },
      conversation: { id: 'K7jsTKpNKDA1bzAF2J8Xta-o' },
    });
    expect(call?.activity.text).toMatch(/^Hi! 👋 I'm the Royal Ace support assistant/);
    const actions = call?.activity.suggestedActions?.actions ?? [];
    expect(actions.map((action) => action.title)).toEqual([
      'Deposit problem',
      'Withdrawal status',
      'Bonuses',
      "Can't log in",
      'Talk to a person',
    ]);
    // messageBack: the chat shows the label, the payload comes back in the activity's value.
    expect(actions[1]).toEqual({
      type: 'messageBack',
      title: 'Withdrawal status',
      text: 'Withdrawal status',
      displayText: 'Withdrawal status',
      value: { payload: 'flow:withdrawal_status' },
    });
    expect(call?.authorization).toBeUndefined(); // anonymous (emulator) mode

    // A conversation's turns run one after another: once the next message is answered, the first
    // turn has recorded its delivery.
    await post(app, webChatMessage(connector.url, 'K7jsTKpNKDA1bzAF2J8Xta-o', { text: 'thanks' }));
    await connector.waitFor(2);
    const conversation = await app.store.conversations.findByKey('botframework', 'webchat:K7jsTKpNKDA1bzAF2J8Xta-o');
    const entries = await app.store.transcript.list(conversation!.id);
    expect(entries.slice(0, 2).map((entry) => [entry.direction, entry.delivery])).toEqual([
      ['in', undefined],
      ['out', 'sent'],
    ]);
    expect(entries[0]?.platformMessageId).toBe(`webchat:K7jsTKpNKDA1bzAF2J8Xta-o|${String(activity['id'])}`);
    expect(entries[1]?.platformMessageId).toBe('bot-activity-1');
  });

  it('takes a pressed suggested action as its payload', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const conversation = 'Gq1yUYdV7Rk9fLcB3rTz2x-eu';
    await post(app, webChatMessage(connector.url, conversation, { text: 'hello' }));
    await connector.waitFor(1);
    const press = webChatButton(connector.url, conversation, 'Withdrawal status', 'flow:withdrawal_status');
    expect((await post(app, press)).status).toBe(200);
    const calls = await connector.waitFor(2);
    // the withdrawal flow first verifies the player: it asks for the account's e-mail
    expect(calls[1]?.activity.text).toMatch(/e-mail address on your account/);
    expect(calls[1]?.replyToId).toBe(press['id']);
    const stored = await app.store.conversations.findByKey('botframework', `webchat:${conversation}`);
    const inbound = (await app.store.transcript.list(stored!.id)).filter((entry) => entry.direction === 'in');
    expect(inbound[1]).toMatchObject({ text: 'Withdrawal status', payload: 'flow:withdrawal_status' });
  });

  it('welcomes a member the Emulator adds, and not the bot itself', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const conversation = '3f1b9d60-1212-11ef-a1b2-6d5e4f3a2b1c|livechat';

    const botOnly = emulatorConversationUpdate(connector.url, 'bot-only-conversation|livechat', [EMULATOR_BOT]);
    expect((await post(app, botOnly)).status).toBe(200);
    expect(await app.store.conversations.findByKey('botframework', 'emulator:bot-only-conversation|livechat')).toBeUndefined();

    const update = emulatorConversationUpdate(connector.url, conversation, [EMULATOR_BOT, EMULATOR_USER]);
    expect((await post(app, update)).status).toBe(200);
    const [welcome] = await connector.waitFor(1);
    expect(welcome?.conversationId).toBe(conversation);
    expect(welcome?.replyToId).toBe(update['id']);
    expect(welcome?.activity.recipient).toMatchObject({ id: EMULATOR_USER.id });
    expect(welcome?.activity.text).toMatch(/Royal Ace support assistant/);
    expect(titles(welcome)).toContain('Talk to a person');
    expect(connector.calls).toHaveLength(1);
  });

  it('does not welcome when the configuration turns it off', async () => {
    const connector = await startConnector();
    const app = await startApp({ yaml: `${YAML}    welcomePayload: null\n` });
    const update = emulatorConversationUpdate(connector.url, 'quiet|livechat', [EMULATOR_USER]);
    expect((await post(app, update)).status).toBe(200);
    expect(await app.store.conversations.findByKey('botframework', 'emulator:quiet|livechat')).toBeUndefined();
  });

  it('acknowledges other activity types with 200 and does nothing', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const base = emulatorMessage(connector.url, 'other-types|livechat', '');
    for (const type of ['typing', 'event', 'messageReaction', 'installationUpdate', 'endOfConversation']) {
      const { text: _text, ...activity } = base;
      const response = await post(app, { ...activity, type, id: `${type}-1`, name: 'webchat/join' });
      expect(response.status, type).toBe(200);
    }
    const invoke = await post(app, { ...base, type: 'invoke', id: 'invoke-1', name: 'adaptiveCard/action' });
    expect(invoke.status).toBe(200);
    // a message with nothing to answer (no text, no button, no file)
    expect((await post(app, { ...base, id: 'empty-1', text: '   ' })).status).toBe(200);
    expect(await app.store.conversations.findByKey('botframework', 'emulator:other-types|livechat')).toBeUndefined();
    expect(connector.attempts).toHaveLength(0);
  });

  it('answers a redelivered activity once', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const conversation = 'dup-4kP9sWq2Lm7Xn1Vb';
    const activity = webChatMessage(connector.url, conversation, { text: 'hi' });
    const [first, again] = await Promise.all([post(app, activity), post(app, activity)]);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect((await post(app, activity)).status).toBe(200);
    await connector.waitFor(1);
    // a later message of the same conversation is answered after anything still due for the first
    const later = webChatMessage(connector.url, conversation, { text: 'thanks' });
    await post(app, later);
    const calls = await connector.waitFor(2);
    expect(calls.filter((call) => call.replyToId === activity['id'])).toHaveLength(1);
    expect(calls[1]?.replyToId).toBe(later['id']);
  });

  it('retries a reply the connector refused with 500, and honours Retry-After on 429', async () => {
    const connector = await startConnector();
    const sleeps: number[] = [];
    const app = await startApp({ sleeps });
    connector.failNext(500);
    connector.failNext(429, 1, { 'retry-after': '3' });
    await post(app, webChatMessage(connector.url, 'retry-9Hq2', { text: 'hi' }));
    const [call] = await connector.waitFor(1);
    expect(call?.activity.text).toMatch(/Royal Ace/);
    expect(connector.attempts).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBe(3000);
    await post(app, webChatMessage(connector.url, 'retry-9Hq2', { text: 'thanks' }));
    await connector.waitFor(2);
    const conversation = await app.store.conversations.findByKey('botframework', 'webchat:retry-9Hq2');
    expect((await app.store.transcript.list(conversation!.id))[1]).toMatchObject({ direction: 'out', delivery: 'sent' });
  });

  it('does not retry a reply the connector refuses for good (403), and records the failure', async () => {
    const connector = await startConnector();
    const sleeps: number[] = [];
    const app = await startApp({ sleeps });
    connector.failNext(403);
    await post(app, webChatMessage(connector.url, 'blocked-1', { text: 'hi' }));
    const conversation = await app.store.conversations.findByKey('botframework', 'webchat:blocked-1');
    // the turn finishes in the background; a later message of the conversation queues behind it
    await post(app, webChatMessage(connector.url, 'blocked-1', { text: 'hello again' }));
    await connector.waitFor(1);
    const outbound = (await app.store.transcript.list(conversation!.id)).filter((entry) => entry.direction === 'out');
    expect(outbound[0]?.delivery).toBe('failed');
    expect(sleeps).toEqual([]);
    expect(connector.attempts).toHaveLength(2);
  });
});

describe('Bot Framework channel: expectReplies', () => {
  it('returns the replies in the HTTP response and posts nothing', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const activity = webChatMessage(connector.url, 'expect-7Yt3', { text: 'hi', deliveryMode: 'expectReplies' });
    const response = await post(app, activity);
    expect(response.status).toBe(200);
    const activities = response.json?.['activities'] as ConnectorCall['activity'][];
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({
      type: 'message',
      replyToId: activity['id'],
      conversation: { id: 'expect-7Yt3' },
      recipient: { id: 'dl_2c7f6a2e-4b1d-4f83-9b7e-1f0c2d3e4a5b' },
    });
    expect(activities[0]?.text).toMatch(/Royal Ace/);
    expect(activities[0]?.suggestedActions?.actions).toHaveLength(5);
    // the turn is over when the response comes: nothing was, or will be, posted
    expect(connector.attempts).toHaveLength(0);
    const conversation = await app.store.conversations.findByKey('botframework', 'webchat:expect-7Yt3');
    expect((await app.store.transcript.list(conversation!.id)).at(-1)?.delivery).toBe('sent');

    // the next, normal, message of the same conversation is posted again
    await post(app, webChatMessage(connector.url, 'expect-7Yt3', { text: 'thanks' }));
    expect((await connector.waitFor(1))[0]?.conversationId).toBe('expect-7Yt3');
  });
});

describe('Bot Framework channel: Teams and SMS', () => {
  it('strips the @mention, shows more than three options as a numbered menu and maps a typed number', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const conversation = 'a:1Xk9V_tz3Qm8bP2cR7wL4yN6sJ0hG5fD';
    await post(app, teamsMessage(`${connector.url}/teams/`, conversation, 'hi'));
    const [menu] = await connector.waitFor(1);
    expect(menu?.activity.suggestedActions).toBeUndefined();
    expect(menu?.activity.text).toContain('1. Deposit problem\n2. Withdrawal status');
    const stored = await app.store.conversations.findByKey('botframework', `msteams:${conversation}`);
    expect((await app.store.transcript.list(stored!.id))[0]).toMatchObject({ text: 'hi' });

    await post(app, teamsMessage(`${connector.url}/teams/`, conversation, '2'));
    const calls = await connector.waitFor(2);
    expect(calls[1]?.activity.text).toMatch(/e-mail address on your account/);
  });

  it('maps an imBack label back to its payload and addresses Yes/No to the player', async () => {
    const connector = await startConnector();
    const app = await startApp();
    const conversation = 'a:1imBack-conversation';
    await post(app, teamsMessage(connector.url, conversation, 'hi'));
    await connector.waitFor(1);
    // the player taps "Withdrawal status" in a Teams client that shows it as a button: the label comes back as text
    await post(app, teamsMessage(connector.url, conversation, 'Withdrawal status'));
    await connector.waitFor(2);
    const stored = await app.store.conversations.findByKey('botframework', `msteams:${conversation}`);
    const inbound = (await app.store.transcript.list(stored!.id)).filter((entry) => entry.direction === 'in');
    expect(inbound[1]).toMatchObject({ text: 'Withdrawal status', payload: 'flow:withdrawal_status' });

    // an agent's yes/no question: two options fit Teams' three suggested actions
    const teams = app.channels.find((channel) => channel.id === 'botframework')!;
    await teams.send(
      { channel: 'botframework', conversationKey: `msteams:${conversation}`, conversationId: stored!.id },
      textMessage('Did that help?', [
        { label: 'Yes', payload: 'choice:yes' },
        { label: 'No', payload: 'choice:no' },
      ]),
    );
    const calls = await connector.waitFor(3);
    expect(calls[2]?.activity.suggestedActions).toEqual({
      to: [TEAMS_USER.id],
      actions: [
        { type: 'imBack', title: 'Yes', value: 'Yes' },
        { type: 'imBack', title: 'No', value: 'No' },
      ],
    });
  });

  it('sends options to SMS as numbered text and maps the typed number', async () => {
    const connector = await startConnector();
    const app = await startApp();
    await post(app, smsMessage(connector.url, '+34600111222', 'hi'));
    const [menu] = await connector.waitFor(1);
    expect(menu?.conversationId).toBe('+34600111222');
    expect(menu?.activity.suggestedActions).toBeUndefined();
    expect(menu?.activity.text).toMatch(/\n\n1\. Deposit problem\n2\. Withdrawal status\n3\. Bonuses/);

    const conversation = await app.store.conversations.findByKey('botframework', 'sms:+34600111222');
    const teams = app.channels.find((channel) => channel.id === 'botframework')!;
    await teams.send(
      { channel: 'botframework', conversationKey: 'sms:+34600111222', conversationId: conversation!.id },
      textMessage('Did that help?', [
        { label: 'Yes', payload: 'choice:yes' },
        { label: 'No', payload: 'choice:no' },
      ]),
    );
    const calls = await connector.waitFor(2);
    expect(calls[1]?.activity.text).toBe('Did that help?\n\n1. Yes\n2. No');
    // two options fit the channel's buttons as the pipeline sees them, so the adapter maps the number
    await app.store.transcript.append({
      conversationId: conversation!.id,
      direction: 'out',
      author: 'agent',
      text: 'Did that help?',
      buttons: [
        { label: 'Yes', payload: 'choice:yes' },
        { label: 'No', payload: 'choice:no' },
      ],
      at: new Date(),
      delivery: 'sent',
    });
    await post(app, smsMessage(connector.url, '+34600111222', '2'));
    await connector.waitFor(3);
    const inbound = (await app.store.transcript.list(conversation!.id)).filter((entry) => entry.direction === 'in');
    expect(inbound.at(-1)).toMatchObject({ text: '2', payload: 'choice:no' });
  });
});

describe('Bot Framework channel: proactive sends', () => {
  it('reaches a conversation outside a turn, also after a restart, from the stored reference', async () => {
    const connector = await startConnector();
    const dataDir = tempDir();
    const first = await startApp({ dataDir });
    const activity = webChatMessage(connector.url, 'agent-reply-5Rt8', { text: 'hi' });
    await post(first, activity);
    await connector.waitFor(1);
    const conversation = await first.store.conversations.findByKey('botframework', 'webchat:agent-reply-5Rt8');
    await first.close();

    const second = await startApp({ dataDir });
    const channel = second.channels.find((item) => item.id === 'botframework')!;
    const receipt = await channel.send(
      { channel: 'botframework', conversationKey: 'webchat:agent-reply-5Rt8', conversationId: conversation!.id },
      textMessage('Hi, this is Marta from the payments team.', undefined, 'agent'),
    );
    expect(receipt).toEqual({ platformMessageId: 'bot-activity-2' });
    const calls = await connector.waitFor(2);
    expect(calls[1]).toMatchObject({ conversationId: 'agent-reply-5Rt8', replyToId: activity['id'] });
    expect(calls[1]?.activity).toMatchObject({
      text: 'Hi, this is Marta from the payments team.',
      recipient: { id: 'dl_2c7f6a2e-4b1d-4f83-9b7e-1f0c2d3e4a5b' },
    });

    // a conversation we never heard from cannot be reached, and that is not worth retrying
    await expect(
      channel.send({ channel: 'botframework', conversationKey: 'webchat:nobody', conversationId: 'missing' }, textMessage('hello')),
    ).rejects.toMatchObject({ code: 'CROUPIER_PLATFORM_API', details: { retryable: false } });
  });
});

describe('Bot Framework channel: refusals', () => {
  it('refuses malformed and oversized requests with coded 4xx', async () => {
    const connector = await startConnector();
    const app = await startApp({ yaml: `server:\n  bodyLimitBytes: 4096\n${YAML}` });
    const broken = await post(app, '{"type": "message", ');
    expect(broken.status).toBe(400);
    expect(errorCode(broken.json)).toBe('CROUPIER_INPUT_INVALID');
    const notAnActivity = await post(app, { hello: 'world' });
    expect(notAnActivity.status).toBe(400);
    expect(errorCode(notAnActivity.json)).toBe('CROUPIER_INPUT_INVALID');
    const badServiceUrl = await post(app, webChatMessage('javascript:alert(1)', 'x', { text: 'hi' }));
    expect(badServiceUrl.status).toBe(400);
    const list = await post(app, [webChatMessage(connector.url, 'x', { text: 'hi' })]);
    expect(list.status).toBe(400);
    const huge = await post(app, webChatMessage(connector.url, 'x', { text: 'x'.repeat(10_000) }));
    expect(huge.status).toBe(413);
    expect(errorCode(huge.json)).toBe('CROUPIER_INPUT_TOO_LARGE');
    expect(connector.attempts).toHaveLength(0);
  });

  it('with an app id and password, refuses activities without a valid Bot Framework token', async () => {
    const connector = await startConnector();
    const app = await startApp({
      env: {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret',
        MICROSOFT_BOT_OPENID_METADATA: `${connector.url}/openid`,
      },
    });
    const activity = webChatMessage(connector.url, 'auth-3Jd8', { text: 'hi', deliveryMode: 'expectReplies' });

    const anonymous = await post(app, activity);
    expect(anonymous.status).toBe(401);
    expect(errorCode(anonymous.json)).toBe('CROUPIER_INPUT_UNAUTHORIZED');
    expect((await post(app, activity, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    const otherBot = connector.token({ aud: 'some-other-app', serviceurl: connector.url });
    expect((await post(app, activity, { authorization: `Bearer ${otherBot}` })).status).toBe(401);
    const otherServiceUrl = connector.token({ aud: APP_ID, serviceurl: 'https://attacker.example' });
    expect((await post(app, activity, { authorization: `Bearer ${otherServiceUrl}` })).status).toBe(401);
    const expired = connector.token({ aud: APP_ID, serviceurl: connector.url, exp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await post(app, activity, { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect(await app.store.conversations.findByKey('botframework', 'webchat:auth-3Jd8')).toBeUndefined();

    // a token signed with the key the (local) OpenID metadata publishes, for this bot and service URL
    const valid = connector.token({ aud: APP_ID, serviceurl: connector.url });
    const accepted = await post(app, activity, { authorization: `Bearer ${valid}` });
    expect(accepted.status).toBe(200);
    expect((accepted.json?.['activities'] as { text: string }[])[0]?.text).toMatch(/Royal Ace/);
    expect(connector.attempts).toHaveLength(0);
  });

  it('answers 502 when the signing keys cannot be fetched, so the channel retries', async () => {
    const connector = await startConnector();
    const app = await startApp({
      env: {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret',
        MICROSOFT_BOT_OPENID_METADATA: `${connector.url}/gone`,
      },
    });
    const activity = webChatMessage(connector.url, 'keys-gone', { text: 'hi' });
    const token = connector.token({ aud: APP_ID, serviceurl: connector.url });
    const response = await post(app, activity, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(502);
    expect(errorCode(response.json)).toBe('CROUPIER_NETWORK');
  });

  it('describes the messaging endpoint to register, without secrets', async () => {
    const app = await startApp({
      yaml: `server:\n  publicUrl: https://support.example-casino.com\n${YAML}`,
      env: { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'pa55-word-never-shown' },
    });
    const lines = app.channels.find((channel) => channel.id === 'botframework')!.describe();
    expect(lines.join('\n')).toContain('https://support.example-casino.com/api/messages');
    expect(lines.join('\n')).not.toContain('pa55-word-never-shown');
  });
});
