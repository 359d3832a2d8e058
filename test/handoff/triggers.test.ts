import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/clock.js';
import type { Inbound } from '../../src/core/message.js';
import { Pipeline } from '../../src/core/pipeline.js';
import { backOfficePort } from '../../src/crm/actions.js';
import { DemoBackOffice } from '../../src/crm/demo-back-office.js';
import { FlowBot, type DialogueContent } from '../../src/dialogue/flow-bot.js';
import { CroupierError } from '../../src/core/errors.js';
import type { BackOfficePort } from '../../src/dialogue/ports.js';
import { sentimentPort } from '../../src/nlu/sentiment.js';
import { buildContent } from '../../src/server/live-content.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { deskHarness, supervisorView, type DeskHarness } from './harness.js';

/**
 * The hand-off triggers through the real pipeline, the shipped content and NLU, and a real desk:
 * asking for a person in five languages, repeated fallbacks, an angry or abusive player,
 * responsible gambling, a back-office failure; and what happens to messages once a person has
 * the conversation.
 */
let content: DialogueContent;
beforeAll(() => {
  const built = buildContent({ rootDir: '.', intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' });
  if (!built.content) throw new Error(JSON.stringify(built.issues));
  content = built.content;
});

interface World {
  readonly h: DeskHarness;
  readonly pipeline: Pipeline;
  say(text: string, options?: { key?: string; locale?: string; payload?: string }): Promise<{ replies: string[]; authors: string[] }>;
  cases(): Promise<{ id: string; reason: string; skill: string; priority: string; language: string; status: string }[]>;
}

async function world(options: { maxFallbacks?: number; backOffice?: BackOfficePort } = {}): Promise<World> {
  const store = openSqliteStore({ file: ':memory:', ids: sequentialIds('row') });
  const h = await deskHarness({ store });
  const bot = new FlowBot({
    content: () => content,
    backOffice: options.backOffice ?? backOfficePort(new DemoBackOffice(h.clock, { random: () => 0.123456 })),
    players: store.players,
    events: store.events,
    clock: h.clock,
    handoff: h.desk,
    anger: { sentiment: sentimentPort() },
    ...(options.maxFallbacks !== undefined ? { maxFallbacks: options.maxFallbacks } : {}),
  });
  const pipeline = new Pipeline({
    store,
    log: pino({ level: 'silent' }),
    clock: h.clock,
    ids: sequentialIds('turn'),
    deliver: async () => undefined,
    bot: () => bot,
    texts: (language, key) => content.catalogue.text(language, `system.${key}`),
    languages: { supported: () => content.catalogue.languages, fallback: 'en' },
    rateLimit: { burst: 100, perMinute: 600 },
    handoff: () => h.desk,
  });
  let n = 0;
  return {
    h,
    pipeline,
    async say(text, { key = 'player', locale, payload } = {}) {
      h.clock.advance(10_000);
      const inbound: Inbound = {
        platformMessageId: `m-${++n}`,
        channel: 'web',
        conversationKey: key,
        sender: { channel: 'web', userId: key, ...(locale ? { localeHint: locale } : {}) },
        text,
        ...(payload ? { payload } : {}),
        attachments: [],
        receivedAt: h.clock.now(),
      };
      const result = await pipeline.handle(inbound);
      expect(result.failed).toBe(false);
      return { replies: result.replies.map((r) => r.text ?? ''), authors: result.replies.map((r) => r.author) };
    },
    async cases() {
      return h.desk.listCases(supervisorView(), 'open');
    },
  };
}

describe('asking for a person', () => {
  it.each([
    ['en', 'I want to talk to a human', /number 1 in the queue/],
    ['es', 'quiero hablar con una persona', /Eres el número 1 en la cola/],
    ['de', 'ich möchte mit einem Mitarbeiter sprechen', /Du bist Nummer 1 in der Warteschlange/],
    ['ru', 'хочу поговорить с оператором', /Вы 1-й в очереди/],
    ['ro', 'vreau să vorbesc cu un operator', /Ești pe locul 1 în coadă/],
  ])('opens a case in %s and tells the player their place in their language', async (language, text, told) => {
    const w = await world();
    const { replies, authors } = await w.say(text, { locale: language });
    expect(replies.at(-1)).toMatch(told);
    expect(authors.at(-1)).toBe('system');
    const [c] = await w.cases();
    expect(c).toMatchObject({ reason: 'player_request', skill: 'general', priority: 'normal', language, status: 'queued' });
    const conversation = await w.h.store.conversations.findByKey('web', 'player');
    expect(conversation?.status).toBe('queued');
  });
});

describe('other triggers', () => {
  it('hands off after the configured number of messages the bot does not understand', async () => {
    const w = await world({ maxFallbacks: 2 });
    await w.say('blorp fizzle wug', { locale: 'en' });
    expect(await w.cases()).toEqual([]);
    await w.say('zzzz qqqq', { locale: 'en' });
    const [c] = await w.cases();
    expect(c).toMatchObject({ reason: 'repeated_fallback', skill: 'general' });
  });

  it.each([
    ['en', 'you fucking idiots, where is my money'],
    ['es', 'sois unos inútiles de mierda'],
    ['de', 'ihr Vollidioten, das ist ein Drecksladen'],
    ['ru', 'вы что, идиоты? бесит уже'],
    ['ro', 'sunteți niște nenorociți'],
  ])('hands an abusive player (%s word list) to a person, with priority', async (language, text) => {
    const w = await world();
    const { replies } = await w.say(text, { locale: language });
    expect(replies[0]).toBe(content.catalogue.text(language, 'handoff.angry'));
    const [c] = await w.cases();
    expect(c).toMatchObject({ reason: 'angry_player', priority: 'high', language });
  });

  it('hands a clearly angry player to a person by sentiment (natural, English)', async () => {
    const w = await world();
    await w.say('this is ridiculous, terrible service, I am furious', { locale: 'en' });
    const [c] = await w.cases();
    expect(c).toMatchObject({ reason: 'angry_player' });
  });

  it('does not take a sour but ordinary question for anger', async () => {
    const w = await world();
    const { replies } = await w.say('my withdrawal failed and was rejected', { locale: 'en' });
    expect(await w.cases()).toEqual([]);
    expect(replies.join(' ')).not.toMatch(/frustrating/);
  });

  it('makes responsible gambling urgent', async () => {
    const w = await world();
    await w.say('I cannot stop gambling, please block my account', { locale: 'en' });
    const [c] = await w.cases();
    expect(c).toMatchObject({ skill: 'responsible_gambling', priority: 'urgent' });
  });

  it('hands off with priority when the back office fails during a flow', async () => {
    const failing = backOfficePort(new DemoBackOffice({ now: () => new Date('2026-03-02T10:00:00Z') }));
    const port: BackOfficePort = {
      ...failing,
      actions: failing.actions,
      findByEmail: async () => {
        throw new CroupierError('CROUPIER_CRM_UNAVAILABLE', 'back office down');
      },
    };
    const w = await world({ backOffice: port });
    await w.say('where is my withdrawal', { locale: 'en' });
    const { replies } = await w.say('jonas.weber@example.com');
    expect(replies.join(' ')).toMatch(/number 1 in the queue/);
    const [c] = await w.cases();
    expect(c).toMatchObject({ reason: 'backoffice_error', priority: 'high' });
  });
});

describe('while a person has the conversation', () => {
  it('sends what the player writes to the case instead of the bot, then gives the conversation back with a rating question', async () => {
    const w = await world();
    await w.say('agent please', { locale: 'en' });
    const [c] = await w.cases();
    const waiting = await w.say('where is my withdrawal?');
    expect(waiting.replies).toEqual([]);
    const agent = await w.h.agent('dana');
    expect((await w.cases())[0]).toMatchObject({ status: 'assigned', agentId: agent.id });
    await w.h.desk.reply(agent, c!.id, 'Hi, Dana here.');
    await w.h.desk.close(agent, c!.id, true);
    expect((await w.h.store.conversations.findByKey('web', 'player'))?.status).toBe('bot');
    const rated = await w.say('3');
    expect(rated.replies).toEqual(['Thank you for your rating! If anything else comes up, just write here.']);
    const back = await w.say('hello');
    expect(back.replies[0]).toMatch(/Hi! 👋/);
    const transcript = await w.h.store.transcript.list((await w.h.store.conversations.findByKey('web', 'player'))!.id);
    expect(transcript.map((e) => `${e.author}: ${(e.text ?? '').slice(0, 30)}`)).toEqual([
      'player: agent please',
      "bot: I'm passing you to a member of",
      "system: You're number 1 in the queue —",
      'player: where is my withdrawal?',
      'system: dana from our support team has',
      'agent: Hi, Dana here.',
      'bot: This chat with our team is now',
      'player: 3',
      'bot: Thank you for your rating! If ',
      'player: hello',
      "bot: Hi! 👋 I'm the Royal Ace suppo",
    ]);
  });
});
