import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { postJson, startTestServer } from '../../support/server.js';
import { BOT_USER, FakeBotApi, type BotApiCall } from './fake-bot-api.js';
import { BOT_TOKEN, CHAT_ID, WEBHOOK_SECRET, recorded } from './support.js';

/** The agents' forum supergroup (not the "Casino fans" group of the recorded updates). */
const GROUP = -1009876543210;
const DANA = { id: 555001, is_bot: false, first_name: 'Dana', language_code: 'en' };
const OMAR = { id: 555002, is_bot: false, first_name: 'Omar' };
const STRANGER = { id: 777, is_bot: false, first_name: 'Lurker' };
const PASSWORD = 'demo-password-1';
const ENV = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, CROUPIER_DEMO_AGENT_PASSWORD: PASSWORD };

let api: FakeBotApi;
const running: CroupierHandle[] = [];
let updateId = 900_000_000;
let messageId = 9000;

beforeEach(async () => {
  api = await FakeBotApi.start();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
  await api.close();
});

const yaml = (transcriptLines = 30) =>
  [
    'channels:',
    '  telegram:',
    '    enabled: true',
    '    mode: webhook',
    `    apiRoot: ${api.url}`,
    '    agentGroup:',
    '      enabled: true',
    `      chatId: ${GROUP}`,
    `      transcriptLines: ${transcriptLines}`,
    '',
  ].join('\n');

async function start(options: { dataDir?: string; transcriptLines?: number } = {}) {
  const app = await startTestServer({
    yaml: yaml(options.transcriptLines),
    env: ENV,
    clock: new ManualClock('2026-03-02T10:00:00Z'),
    handoffTickMs: 0,
    watchContent: false,
    deliveryRetries: { sleep: async () => undefined },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  running.push(app);
  return app;
}

/** Links a demo agent (seeded at start) to a Telegram user. */
async function link(app: CroupierHandle, login: string, telegramUserId: number) {
  const record = await app.store.handoff.agentByLogin(login);
  if (!record) throw new Error(`no agent ${login}`);
  await app.store.handoff.saveAgent({ ...record, telegramUserId: String(telegramUserId) });
}

/** The agent API, as the console calls it. */
async function call(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function webhook(app: CroupierHandle, update: unknown) {
  const response = await fetch(`${app.url}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
    body: JSON.stringify(update),
  });
  return response.status;
}

const group = { id: GROUP, title: 'Royal Ace agents', type: 'supergroup', is_forum: true };

/** A message in a topic, as Telegram sends it (a reply to the topic's creation message). */
function topicMessage(threadId: number, from: object, fields: Record<string, unknown>) {
  return {
    update_id: ++updateId,
    message: {
      message_id: ++messageId,
      from,
      chat: group,
      date: 1_767_225_900,
      message_thread_id: threadId,
      is_topic_message: true,
      reply_to_message: {
        message_id: threadId,
        from: BOT_USER,
        chat: group,
        date: 1_767_225_800,
        message_thread_id: threadId,
        forum_topic_created: { name: 'case', icon_color: 0x6fb9f0 },
        is_topic_message: true,
      },
      ...fields,
    },
  };
}
const say = (threadId: number, from: object, text: string) => topicMessage(threadId, from, { text });
const topicClosed = (threadId: number, from: object) => {
  const update = topicMessage(threadId, from, { forum_topic_closed: {} });
  delete (update.message as Record<string, unknown>)['reply_to_message'];
  return update;
};

const inThread = (threadId: number) => (c: BotApiCall) => c.body['message_thread_id'] === threadId && Number(c.body['chat_id']) === GROUP;
const posted = (threadId: number) =>
  api
    .callsOf('sendMessage')
    .filter(inThread(threadId))
    .map((c) => String(c.body['text']));
const waitForPost = (threadId: number, pattern: RegExp) =>
  api.waitFor('sendMessage', (c) => inThread(threadId)(c) && pattern.test(String(c.body['text'])));

async function webTranscript(app: CroupierHandle, conversationId: string) {
  const conversation = await app.store.conversations.findByKey('web', conversationId);
  return conversation ? app.store.transcript.list(conversation.id) : [];
}

async function askForHuman(app: CroupierHandle) {
  const asked = await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
  expect(asked.status).toBe(200);
  const conversationId = asked.json['conversationId'] as string;
  const created = await api.waitFor('createForumTopic');
  const threadId = 501;
  await waitForPost(threadId, /The conversation so far/);
  const caseId = (await app.store.handoff.listCases({ status: ['queued', 'assigned'] }))[0]?.id ?? '';
  return { conversationId, created, threadId, caseId };
}

describe('agents in Telegram: forum topics', () => {
  it('opens a topic for a web hand-off; an agent answers there, the player’s follow-up shows up, closing the topic closes the case', async () => {
    const app = await start();
    await link(app, 'agent', DANA.id);
    const { conversationId, created, threadId, caseId } = await askForHuman(app);

    // The topic: in the agents' group, named after priority, player, channel and reason.
    expect(Number(created.body['chat_id'])).toBe(GROUP);
    expect(created.token).toBe(BOT_TOKEN);
    expect(created.body['name']).toMatch(/^🟢 .+ · web · player request$/);
    expect(String(created.body['name']).length).toBeLessThanOrEqual(128);
    const [header, transcript] = posted(threadId);
    expect(header).toMatch(/New case: player request \(normal priority\)/);
    expect(header).toMatch(/channel web · language en/);
    expect(header).toMatch(/VIP: no/);
    expect(header).toMatch(/First reply due: 2 Mar, 10:05 UTC/);
    expect(header).toContain(`Case ${caseId}`);
    expect(transcript).toMatch(/📜 The conversation so far:\n👤 I want to talk to a human/);

    // The agent writes in the topic: the case is theirs, and the player gets the reply on the web.
    expect(await webhook(app, say(threadId, DANA, 'Hi, I am Dana. Let me check.'))).toBe(200);
    const afterReply = await webTranscript(app, conversationId);
    expect(afterReply.at(-1)).toMatchObject({ author: 'agent', direction: 'out', text: 'Hi, I am Dana. Let me check.' });
    expect(await app.store.handoff.getCase(caseId)).toMatchObject({ status: 'assigned' });
    await waitForPost(threadId, /✅ Taken by Demo Agent/);

    // The player's follow-up reaches the topic (with the bot part of the turn that opened the case).
    const meanwhile = await postJson(`${app.url}/web/messages`, { conversationId, text: 'My withdrawal W-1 is late' });
    expect(meanwhile.json['replies']).toEqual([]);
    const relayed = await waitForPost(threadId, /👤 My withdrawal W-1 is late/);
    expect(posted(threadId).join('\n')).toMatch(/🤖 .*support team/);
    // The agent's own message is not echoed back into the topic.
    expect(posted(threadId).join('\n')).not.toContain('Hi, I am Dana');
    expect(String(relayed.body['text'])).not.toContain('Hi, I am Dana');

    // Closing the topic closes the case as resolved; the player is asked for a rating.
    expect(await webhook(app, topicClosed(threadId, DANA))).toBe(200);
    expect(await app.store.handoff.getCase(caseId)).toMatchObject({ status: 'closed' });
    await vi.waitFor(async () => {
      const last = (await webTranscript(app, conversationId)).at(-1);
      expect(last?.author).toBe('bot');
      expect(last?.text).toMatch(/rate the help you got, from 1/);
      expect(last?.buttons).toHaveLength(5);
    });
    await waitForPost(threadId, /🔒 Case closed as resolved by Demo Agent/);
    // Telegram closed the topic already: the bot does not close it again.
    expect(api.callsOf('closeForumTopic')).toEqual([]);

    // The rating shows up in the topic too.
    await postJson(`${app.url}/web/messages`, { conversationId, payload: 'csat:4', text: '4' });
    await waitForPost(threadId, /⭐ The player rated the help 4\/5/);
    expect(api.callsOf('createForumTopic')).toHaveLength(1);
  });

  it('reaches a Telegram player on Telegram, and /unresolved closes the case as not resolved', async () => {
    const app = await start();
    await link(app, 'agent', DANA.id);
    await webhook(
      app,
      recorded('text', (u) => (u.message.text = 'I want to talk to a human')),
    );
    const created = await api.waitFor('createForumTopic');
    expect(created.body['name']).toMatch(/ · telegram · /);
    const threadId = 501;
    await waitForPost(threadId, /👤 I want to talk to a human/);

    const from = api.calls.length;
    await webhook(app, say(threadId, DANA, 'Hello from the support team'));
    const delivered = await api.waitFor(
      'sendMessage',
      (c) => Number(c.body['chat_id']) === CHAT_ID && c.body['text'] === 'Hello from the support team',
      from,
    );
    expect(delivered.body['message_thread_id']).toBeUndefined();

    await webhook(app, say(threadId, DANA, '/unresolved'));
    const [closed] = await app.store.handoff.listCases({ status: ['closed'] });
    expect(closed?.data).toMatchObject({ resolved: false });
    await waitForPost(threadId, /🔒 Case closed as not resolved by Demo Agent/);
    await vi.waitFor(() => expect(api.callsOf('closeForumTopic')).toHaveLength(1));
    expect(api.callsOf('closeForumTopic')[0]?.body).toMatchObject({ chat_id: GROUP, message_thread_id: threadId });
    const question = await api.waitFor(
      'sendMessage',
      (c) => Number(c.body['chat_id']) === CHAT_ID && /rate the help/.test(String(c.body['text'])),
    );
    expect(question.body['reply_markup']).toBeDefined();
  });

  it('ignores strangers with a polite note, and nothing from the agents’ group reaches the player pipeline', async () => {
    const app = await start();
    const { conversationId, threadId, caseId } = await askForHuman(app);
    const before = (await webTranscript(app, conversationId)).length;

    expect(await webhook(app, say(threadId, STRANGER, 'let me answer, I know the answer'))).toBe(200);
    expect(await webhook(app, say(threadId, STRANGER, 'hello?'))).toBe(200);
    const note = await waitForPost(threadId, /only agents can answer players here/);
    expect(String(note.body['text'])).toContain('--telegram-user-id 777');
    // A message in the General topic, a button-less service message, an edit: all the group's.
    const general = topicMessage(threadId, DANA, { text: 'general chat' });
    delete (general.message as Record<string, unknown>)['message_thread_id'];
    delete (general.message as Record<string, unknown>)['is_topic_message'];
    expect(await webhook(app, general)).toBe(200);
    expect(await webhook(app, { update_id: ++updateId, edited_message: say(threadId, STRANGER, 'edited').message })).toBe(200);
    // A stranger closing the topic: it is opened again and the case stays open.
    expect(await webhook(app, topicClosed(threadId, STRANGER))).toBe(200);
    await vi.waitFor(() => expect(api.callsOf('reopenForumTopic')).toHaveLength(1));

    expect(await app.store.handoff.getCase(caseId)).toMatchObject({ status: 'queued' });
    expect((await webTranscript(app, conversationId)).length).toBe(before);
    expect(await app.store.conversations.findByKey('telegram', String(GROUP))).toBeUndefined();
    expect(await app.store.conversations.findByKey('telegram', String(STRANGER.id))).toBeUndefined();
    // Told once, not on every message.
    expect(posted(threadId).filter((text) => /only agents can answer/.test(text))).toHaveLength(1);
    // The bot never answered anyone in the group outside the topic.
    expect(
      api.callsOf('sendMessage').filter((c) => Number(c.body['chat_id']) === GROUP && c.body['message_thread_id'] === undefined),
    ).toEqual([]);
  });

  it('refuses an agent whose colleague has the case, and a console close closes the topic', async () => {
    const app = await start();
    await link(app, 'agent', DANA.id);
    await link(app, 'supervisor', OMAR.id);
    const { conversationId, threadId, caseId } = await askForHuman(app);

    // Dana takes it in the console.
    const login = await call(app.url, 'POST', '/api/agent/login', { body: { login: 'agent', password: PASSWORD } });
    const token = login.json['token'] as string;
    expect((await call(app.url, 'POST', `/api/agent/cases/${caseId}/claim`, { token })).status).toBe(200);
    await waitForPost(threadId, /✅ Taken by Demo Agent/);
    await call(app.url, 'POST', `/api/agent/cases/${caseId}/messages`, { token, body: { text: 'Hello from the console' } });
    await waitForPost(threadId, /🎧 Demo Agent: Hello from the console/);

    // A second linked agent who is not a supervisor cannot answer it.
    const record = await app.store.handoff.agentByLogin('supervisor');
    await app.store.handoff.saveAgent({ ...record!, role: 'agent' });
    await app.close();
    running.splice(0);
    const again = await start({ dataDir: app.config.store.dataDir });
    expect(await webhook(again, say(threadId, OMAR, 'I can take this one'))).toBe(200);
    await waitForPost(threadId, /⚠️ Demo Supervisor: another agent has this case; the case stays as it was/);
    expect((await webTranscript(again, conversationId)).some((entry) => entry.text === 'I can take this one')).toBe(false);

    // After the restart the topic still maps to the case, and no second topic was made.
    expect(await webhook(again, say(threadId, DANA, 'Still here, checking'))).toBe(200);
    expect((await webTranscript(again, conversationId)).at(-1)).toMatchObject({ author: 'agent', text: 'Still here, checking' });
    expect(api.callsOf('createForumTopic')).toHaveLength(1);

    // Closed in the console: the topic says so and is closed.
    const relogin = await call(again.url, 'POST', '/api/agent/login', { body: { login: 'agent', password: PASSWORD } });
    const closed = await call(again.url, 'POST', `/api/agent/cases/${caseId}/close`, {
      token: relogin.json['token'] as string,
      body: { resolved: true },
    });
    expect(closed.status).toBe(200);
    await waitForPost(threadId, /🔒 Case closed as resolved\. The bot has the conversation back/);
    const closing = await api.waitFor('closeForumTopic');
    expect(closing.body).toMatchObject({ chat_id: GROUP, message_thread_id: threadId });
    // A message in the closed topic does not reach the player.
    await webhook(again, say(threadId, DANA, 'one more thing'));
    await waitForPost(threadId, /This case is closed; the player did not get this message/);
    expect((await webTranscript(again, conversationId)).some((entry) => entry.text === 'one more thing')).toBe(false);
  });

  it('answers a redelivered agent update once, and makes the topic on a later event when creating it failed', async () => {
    const app = await start({ transcriptLines: 0 });
    await link(app, 'agent', DANA.id);
    api.failNext('createForumTopic', {
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: not enough rights to create a topic' },
    });
    const asked = await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
    const conversationId = asked.json['conversationId'] as string;
    await vi.waitFor(() => expect(api.callsOf('createForumTopic')).toHaveLength(1));
    expect(api.callsOf('sendMessage').filter((c) => Number(c.body['chat_id']) === GROUP)).toEqual([]);

    // The player writes again: the topic is made now, with the header only (transcriptLines: 0)…
    await postJson(`${app.url}/web/messages`, { conversationId, text: 'hello?' });
    await vi.waitFor(() => expect(api.callsOf('createForumTopic')).toHaveLength(2));
    const threadId = 501;
    await waitForPost(threadId, /New case/);
    expect(posted(threadId).join('\n')).not.toContain('The conversation so far');

    const update = say(threadId, DANA, 'Here I am');
    expect(await webhook(app, update)).toBe(200);
    expect(await webhook(app, update)).toBe(200);
    const replies = (await webTranscript(app, conversationId)).filter((entry) => entry.author === 'agent');
    expect(replies.map((entry) => entry.text)).toEqual(['Here I am']);
  });
});
