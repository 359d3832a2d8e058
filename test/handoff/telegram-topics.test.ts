import { afterEach, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/clock.js';
import { platformError } from '../../src/core/delivery.js';
import type { CroupierError } from '../../src/core/errors.js';
import { addAgent } from '../../src/handoff/agents.js';
import { TOPIC_NAME_MAX, TelegramTopicsBridge, topicName, type ForumApi, type TopicUpdate } from '../../src/handoff/telegram-topics.js';
import { captureLog } from '../support/pipeline-harness.js';
import { deskHarness, type DeskHarness } from './harness.js';

const CHAT = '-1001234567890';

/** The Bot API as the bridge sees it: records calls, fails on demand with platform errors. */
class FakeForum implements ForumApi {
  readonly calls: { method: string; threadId?: number; text?: string; name?: string; color?: number }[] = [];
  readonly #failures = new Map<string, CroupierError[]>();
  #thread = 10;

  failNext(method: string, ...errors: CroupierError[]): void {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), ...errors]);
  }
  posts(threadId: number): string[] {
    return this.calls.filter((c) => c.method === 'post' && c.threadId === threadId).map((c) => c.text ?? '');
  }
  of(method: string) {
    return this.calls.filter((c) => c.method === method);
  }
  #fail(method: string): void {
    const error = this.#failures.get(method)?.shift();
    if (error) throw error;
  }
  async createTopic(name: string, color: number): Promise<number> {
    this.calls.push({ method: 'createTopic', name, color });
    this.#fail('createTopic');
    return ++this.#thread;
  }
  async post(threadId: number, text: string): Promise<void> {
    this.calls.push({ method: 'post', threadId, text });
    this.#fail('post');
  }
  async closeTopic(threadId: number): Promise<void> {
    this.calls.push({ method: 'closeTopic', threadId });
    this.#fail('closeTopic');
  }
  async reopenTopic(threadId: number): Promise<void> {
    this.calls.push({ method: 'reopenTopic', threadId });
    this.#fail('reopenTopic');
  }
}

const bridges: TelegramTopicsBridge[] = [];
afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close();
});

function bridgeFor(h: DeskHarness, forum: FakeForum, extra: { transcriptLines?: number; slept?: number[] } = {}) {
  const { log, lines } = captureLog();
  const bridge = new TelegramTopicsBridge({
    chatId: CHAT,
    desk: h.desk,
    store: h.store,
    api: forum,
    clock: h.clock,
    log,
    transcriptLines: extra.transcriptLines ?? 30,
    textMax: 4096,
    timeZone: 'Europe/Malta',
    retries: { sleep: async (ms) => void extra.slept?.push(ms) },
  });
  bridges.push(bridge);
  return { bridge, lines };
}

/** A player message in a conversation with an open case, as the pipeline's hand-off stage hands it to the desk. */
async function playerSays(h: DeskHarness, key: string, text: string) {
  const conversation = await h.store.conversations.findByKey('web', key);
  const entry = await h.store.transcript.append({
    conversationId: conversation!.id,
    direction: 'in',
    author: 'player',
    text,
    at: h.clock.now(),
  });
  await h.desk.route({ conversation, received: entry, inbound: { text } } as never);
}

describe('topic names', () => {
  it('carries priority, VIP, player, channel and reason, within 128 characters and without splitting an emoji', () => {
    expect(topicName({ priority: 'urgent', vipTier: null, playerName: 'Ana', channel: 'telegram', reason: 'responsible_gambling' })).toBe(
      '🔴 Ana · telegram · responsible gambling',
    );
    expect(topicName({ priority: 'high', vipTier: 4, playerName: null, channel: 'web', reason: 'complaint' })).toBe(
      '🟠⭐ Player · web · complaint',
    );
    const long = topicName({
      priority: 'normal',
      vipTier: null,
      playerName: `${'Ü'.repeat(120)} 😀😀`,
      channel: 'whatsapp-cloud',
      reason: 'x',
    });
    expect(long.length).toBeLessThanOrEqual(TOPIC_NAME_MAX);
    expect(long.endsWith('…')).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('the topic bridge', () => {
  it('opens a topic with a header in the team time zone and the transcript, then posts SLA breaches and transfers', async () => {
    const h = await deskHarness();
    const forum = new FakeForum();
    const { bridge } = bridgeFor(h, forum);
    bridge.start();
    const player = await h.request('ana', { playerName: 'Ana García', priority: 'high', reason: 'complaint' });
    await h.store.transcript.append({
      conversationId: player.conversationId,
      direction: 'in',
      author: 'player',
      text: 'This is unacceptable',
      at: h.clock.now(),
    });
    const { caseId } = await h.open('ana', { playerName: 'Ana García', priority: 'high', reason: 'complaint' });
    await bridge.idle();

    expect(forum.of('createTopic')).toEqual([{ method: 'createTopic', name: '🟠 Ana García · web · complaint', color: 0xffd67e }]);
    const [header, transcript] = forum.posts(11);
    expect(header).toContain('🟠 New case: complaint (high priority)');
    expect(header).toContain('Player: Ana García · channel web · language en');
    expect(header).toContain('Skill: general · tier 1 · VIP: no');
    // 10:00 UTC + 5 minutes, in Malta (CET in March).
    expect(header).toContain('First reply due: 2 Mar, 11:05 CET · escalation: 2 Mar, 12:00 CET');
    expect(header).toContain(`Case ${caseId}`);
    expect(transcript).toBe('📜 The conversation so far:\n👤 This is unacceptable');
    expect(await h.store.handoff.caseTopic(caseId)).toMatchObject({ chatId: CHAT, threadId: 11, closedAt: null });

    await h.minutes(6);
    await bridge.idle();
    expect(forum.posts(11)).toContain('⏰ SLA breached: no first reply in time. The case is open to every skill now.');

    const dana = await h.agent('dana', { name: 'Dana' });
    await bridge.idle();
    expect(forum.posts(11)).toContain('✅ Taken by Dana.');
    await h.desk.transfer(dana, caseId, { skill: 'payments' });
    await bridge.idle();
    expect(forum.posts(11)).toContain('↩️ Back in the queue (payments, tier 1).');
    expect(forum.of('createTopic')).toHaveLength(1);
  });

  it('retries the Bot API as the shared policy says (retry_after honoured), and makes a topic on the next event when creating failed', async () => {
    const h = await deskHarness();
    const forum = new FakeForum();
    const slept: number[] = [];
    const { bridge, lines } = bridgeFor(h, forum, { slept });
    bridge.start();
    const down = () => platformError('telegram', 502, 'createForumTopic: Bad Gateway');
    forum.failNext('createTopic', down(), down(), down(), down());
    const { caseId } = await h.open('ana');
    await bridge.idle();
    expect(forum.of('createTopic')).toHaveLength(4);
    expect(slept).toHaveLength(3);
    expect(await h.store.handoff.caseTopic(caseId)).toBeUndefined();
    expect(lines.some((line) => line['code'] === 'CROUPIER_PLATFORM_API' && /could not create the topic/.test(String(line['msg'])))).toBe(
      true,
    );

    forum.failNext('post', platformError('telegram', 429, 'sendMessage: Too Many Requests: retry after 3', { retryAfterMs: 3000 }));
    await playerSays(h, 'ana', 'hello?');
    await bridge.idle();
    expect(forum.of('createTopic')).toHaveLength(5);
    expect(slept.at(-1)).toBe(3000);
    // The header went out on the second try; the transcript follows.
    expect(forum.posts(11).filter((text) => text.startsWith('🟢 New case'))).toHaveLength(2);
    expect(forum.posts(11).at(-1)).toContain('👤 hello?');
    // Nothing in the log carries what the player wrote.
    expect(JSON.stringify(lines)).not.toContain('hello?');
  });

  it('catches up on start: open cases get their topic, topics of cases closed meanwhile are closed', async () => {
    const h = await deskHarness();
    const forum = new FakeForum();
    const first = bridgeFor(h, forum);
    first.bridge.start();
    const dana = await h.agent('dana', { name: 'Dana' });
    const early = await h.open('early');
    await first.bridge.idle();
    expect(forum.of('createTopic')).toHaveLength(1);
    await first.bridge.close();

    // While the bridge is away: a case opens, the first one is closed in the console.
    const late = await h.open('late');
    await h.desk.close(dana, early.caseId, false);
    await playerSays(h, 'late', 'anyone there?');
    expect(forum.of('createTopic')).toHaveLength(1);

    const second = bridgeFor(h, forum);
    second.bridge.start();
    await second.bridge.idle();
    expect(forum.of('createTopic')).toHaveLength(2);
    const lateTopic = await h.store.handoff.caseTopic(late.caseId);
    expect(forum.posts(lateTopic!.threadId).join('\n')).toContain('👤 anyone there?');
    expect(forum.of('closeTopic')).toEqual([{ method: 'closeTopic', threadId: 11 }]);
    expect(forum.posts(11).at(-1)).toMatch(/^🔒 Case closed as not resolved\./);
    expect((await h.store.handoff.caseTopic(early.caseId))?.closedAt).not.toBeNull();

    // A third start has nothing left to do.
    const calls = forum.calls.length;
    const third = bridgeFor(h, forum);
    await second.bridge.close();
    third.bridge.start();
    await third.bridge.idle();
    expect(forum.calls.length).toBe(calls);
  });

  it('takes agents by their Telegram user id: claim, reply, refusals, media and commands', async () => {
    const h = await deskHarness();
    const forum = new FakeForum();
    const { bridge } = bridgeFor(h, forum);
    bridge.start();
    const dana = await h.agent('dana', { name: 'Dana', online: false });
    const kyc = await h.agent('kim', { name: 'Kim', skills: ['kyc'], online: false });
    for (const [agent, telegramUserId] of [
      [dana, '555001'],
      [kyc, '555003'],
    ] as const) {
      const record = await h.store.handoff.getAgent(agent.id);
      await h.store.handoff.saveAgent({ ...record!, telegramUserId });
    }
    const { caseId } = await h.open('ana');
    await bridge.idle();
    let messageId = 100;
    const message = (from: string, fields: { text?: string; media?: boolean } = {}): TopicUpdate => ({
      kind: 'message',
      messageId: ++messageId,
      threadId: 11,
      from: { id: from, name: from === '555001' ? 'Dana' : 'Kim', isBot: false },
      media: fields.media ?? false,
      ...(fields.text === undefined ? {} : { text: fields.text }),
    });

    // Kim lacks the skill: refused, and nothing reaches the player.
    await bridge.handle(message('555003', { text: 'I can help' }));
    await bridge.idle();
    expect(forum.posts(11).at(-1)).toBe('⚠️ Kim: this case needs a skill, language or tier you do not have; the case stays as it was.');
    expect(h.saidTo('ana')).not.toContain('I can help');

    // A photo without text cannot go to the player from here.
    await bridge.handle(message('555001', { media: true }));
    await bridge.idle();
    expect(forum.posts(11).at(-1)).toBe('Dana: only text reaches the player from here; send files from the console.');

    await bridge.handle(message('555001', { text: '/claim@RoyalAceSupportBot' }));
    await bridge.idle();
    expect(forum.posts(11).at(-1)).toBe('✅ Taken by Dana.');
    await bridge.handle(message('555001', { text: '  Hello Ana  ' }));
    expect(h.saidTo('ana').at(-1)).toBe('Hello Ana');

    await bridge.handle(message('555001', { text: '/resolved' }));
    await bridge.idle();
    expect((await h.store.handoff.getCase(caseId))?.data).toMatchObject({ status: 'closed', resolved: true });
    expect(forum.posts(11).at(-1)).toBe(
      '🔒 Case closed as resolved by Dana. The bot has the conversation back and asks the player for a rating.',
    );
    expect(forum.of('closeTopic')).toHaveLength(1);
    // A second /resolved: the case is closed already.
    await bridge.handle(message('555001', { text: '/resolved' }));
    await bridge.idle();
    expect(forum.posts(11).at(-1)).toBe('This case is closed already.');
    // Reopened by hand: the case stays closed.
    await bridge.handle({
      kind: 'topic_reopened',
      messageId: ++messageId,
      threadId: 11,
      from: { id: '555001', name: 'Dana', isBot: false },
    });
    await bridge.idle();
    expect(forum.posts(11).at(-1)).toMatch(/^This case is closed\. When the player writes again, a new case opens/);
  });

  it('knows an agent added from the command line while it runs', async () => {
    const h = await deskHarness();
    const forum = new FakeForum();
    const { bridge } = bridgeFor(h, forum);
    bridge.start();
    const { caseId } = await h.open('ana');
    await bridge.idle();
    await addAgent(
      h.store,
      {
        login: 'lena',
        name: 'Lena',
        role: 'agent',
        skills: ['general'],
        languages: ['en'],
        tier: 1,
        password: 'a long enough password',
        telegramUserId: '555009',
      },
      { ids: sequentialIds('late'), clock: h.clock, defaultCapacity: 5 },
    );
    await bridge.handle({
      kind: 'message',
      messageId: 1,
      threadId: 11,
      from: { id: '555009', name: 'Lena', isBot: false },
      text: 'Hi, Lena here',
      media: false,
    });
    await bridge.idle();
    expect(h.saidTo('ana').at(-1)).toBe('Hi, Lena here');
    expect(forum.posts(11)).toContain('✅ Taken by Lena.');
    expect(h.desk.agents().map((agent) => agent.login)).toContain('lena');
    expect((await h.store.handoff.getCase(caseId))?.agentId).toBe(h.desk.agents().find((agent) => agent.login === 'lena')?.id);
  });
});
