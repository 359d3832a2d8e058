import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { isCroupierError } from '../../src/core/errors.js';
import type { Turn } from '../../src/core/turn.js';
import { DemoBackOffice } from '../../src/crm/demo-back-office.js';
import { parseRating } from '../../src/handoff/desk.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { deskHarness, supervisorView, type DeskHarness } from './harness.js';

async function statusOf(h: DeskHarness, caseId: string) {
  return (await h.desk.listCases(supervisorView(), 'open')).find((c) => c.id === caseId);
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return isCroupierError(error) ? error.code : error === undefined ? undefined : error instanceof Error ? error.message : 'unknown error';
}

/** A minimal turn for the desk's pipeline side. */
async function turnFor(h: DeskHarness, key: string, message: { text?: string; payload?: string }): Promise<Turn> {
  const conversation = (await h.store.conversations.findByKey('web', key))!;
  const received = await h.store.transcript.append({
    conversationId: conversation.id,
    direction: 'in',
    author: 'player',
    ...message,
    at: h.clock.now(),
  });
  const turn: Turn = {
    id: 't',
    inbound: {
      platformMessageId: String(received.seq),
      channel: 'web',
      conversationKey: key,
      sender: { channel: 'web', userId: key },
      attachments: [],
      receivedAt: h.clock.now(),
      ...message,
    },
    claimed: false,
    log: h.lines as never,
    bindLog: () => undefined,
    conversation,
    received,
    language: 'en',
    replies: [],
    stored: [],
    duplicate: false,
    rateLimited: false,
  };
  return turn;
}

describe('routing on the desk', () => {
  it('assigns a new case at once to the least-loaded online eligible agent, and tells the player who joined', async () => {
    const h = await deskHarness();
    const busy = await h.agent('busy');
    const free = await h.agent('free');
    await h.agent('spanish', { languages: ['es'] });
    await h.agent('away', { online: false });
    const first = await h.open('p1');
    expect(first.status).toBe('assigned');
    expect(first.notices).toEqual(['busy from our support team has joined the chat.']);
    const second = await h.open('p2');
    expect((await statusOf(h, second.caseId))?.agentId).toBe(free.id);
    const third = await h.open('p3');
    // a tie in load goes to whoever has waited longest since their last case
    expect((await statusOf(h, third.caseId))?.agentId).toBe(busy.id);
    expect(h.desk.loadOf(busy.id)).toBe(2);
  });

  it('keeps a case queued while nobody eligible is online, and routes it when someone comes online', async () => {
    const h = await deskHarness();
    const later = await h.agent('later', { online: false });
    const opened = await h.open('p1');
    expect(opened.status).toBe('queued');
    expect(opened.notices[0]).toMatch(/^You're number 1 in the queue — the wait is about 8 min\./);
    await h.desk.setOnline(later, true);
    await h.desk.idle();
    expect((await statusOf(h, opened.caseId))?.agentId).toBe(later.id);
    expect(h.saidTo('p1')).toEqual(['later from our support team has joined the chat.']);
    expect((await h.store.conversations.findByKey('web', 'p1'))?.status).toBe('agent');
  });

  it('tells the player who joined exactly once when an agent comes online while their case is being opened', async () => {
    const h = await deskHarness();
    const late = await h.agent('late', { online: false });
    const request = await h.request('p1');
    const [opened] = await Promise.all([h.desk.open(request), h.desk.setOnline(late, true)]);
    await h.desk.idle();
    const told = [...opened.notices.map((n) => (n.kind === 'text' ? n.text : '')), ...h.saidTo('p1')];
    expect(told.filter((text) => text.includes('has joined the chat'))).toHaveLength(1);
  });

  it('never gives an agent more than their capacity; a close frees a slot for the next in line', async () => {
    const h = await deskHarness({ handoff: { capacity: 2 } });
    const solo = await h.agent('solo');
    const a = await h.open('a');
    const b = await h.open('b');
    const c = await h.open('c');
    expect([a.status, b.status, c.status]).toEqual(['assigned', 'assigned', 'queued']);
    expect(c.notices[0]).toMatch(/number 1 in the queue/);
    expect(await codeOf(h.desk.claim(solo, c.caseId))).toBe('CROUPIER_HANDOFF_AGENT_FULL');
    await h.desk.close(solo, a.caseId, true);
    await h.desk.idle();
    expect((await statusOf(h, c.caseId))?.agentId).toBe(solo.id);
    expect(h.desk.loadOf(solo.id)).toBe(2);
  });

  it('serves responsible gambling first, then VIPs by tier, then complaints, then the rest, FIFO within each', async () => {
    const h = await deskHarness({ handoff: { capacity: 1 } });
    const backOffice = new DemoBackOffice(h.clock);
    void backOffice;
    const only = await h.agent('only', { skills: ['general', 'responsible_gambling'], online: false });
    const normal1 = await h.open('normal1');
    h.clock.advance(1000);
    const complaint = await h.open('complaint', { priority: 'high', reason: 'complaint' });
    h.clock.advance(1000);
    const normal2 = await h.open('normal2');
    h.clock.advance(1000);
    const rg = await h.open('rg', { skill: 'responsible_gambling', priority: 'normal', reason: 'responsible_gambling' });
    const queue = await h.desk.listCases(only, 'queued');
    expect(queue.map((c) => c.id)).toEqual([rg.caseId, complaint.caseId, normal1.caseId, normal2.caseId]);
    expect(queue.map((c) => c.priority)).toEqual(['urgent', 'high', 'normal', 'normal']);
    // positions count within each queue (skill and language): the responsible-gambling queue has its own
    expect(queue.map((c) => c.position)).toEqual([1, 1, 2, 3]);
    await h.desk.setOnline(only, true);
    expect((await statusOf(h, rg.caseId))?.status).toBe('assigned');
    await h.desk.close(only, rg.caseId, true);
    expect((await statusOf(h, complaint.caseId))?.status).toBe('assigned');
    await h.desk.close(only, complaint.caseId, true);
    expect((await statusOf(h, normal1.caseId))?.status).toBe('assigned');
    expect((await statusOf(h, normal2.caseId))?.status).toBe('queued');
  });

  it('puts verified VIPs ahead by tier, and gives them to their personal manager when the manager is online', async () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const h = await deskHarness({ backOffice: new DemoBackOffice(clock), handoff: { capacity: 1 } });
    const elena = await h.agent('agent-elena', { name: 'Elena', skills: ['vip'], languages: ['ru', 'en'], online: false });
    const general = await h.agent('general', { online: false });
    const plain = await h.open('plain');
    const gold = await h.open('gold', { casinoPlayerId: 'P-1002' });
    const diamond = await h.open('diamond', { casinoPlayerId: 'P-1001' });
    const queue = await h.desk.listCases(supervisorView(), 'queued');
    expect(queue.map((c) => [c.id, c.vipTier])).toEqual([
      [diamond.caseId, 5],
      [gold.caseId, 3],
      [plain.caseId, null],
    ]);
    expect(queue[0]).toMatchObject({ personalManager: elena.id, playerName: 'Alexander Petrov' });
    // The general agent comes first: the diamond VIP still waits for nobody but is next in line.
    await h.desk.setOnline(general, true);
    expect((await statusOf(h, diamond.caseId))?.agentId).toBe(general.id);
    // A second diamond case while Elena is online goes to her, though she lacks the general skill.
    await h.desk.setOnline(elena, true);
    const again = await h.open('diamond-2', { casinoPlayerId: 'P-1001' });
    expect(again.status).toBe('assigned');
    expect(again.notices).toEqual(['Elena from our support team has joined the chat.']);
    expect((await statusOf(h, again.caseId))?.agentId).toBe(elena.id);
  });

  it('maps a back-office manager id to an agent login through handoff.personalManagers', async () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const h = await deskHarness({ backOffice: new DemoBackOffice(clock), handoff: { personalManagers: { 'agent-elena': 'elena.k' } } });
    const elena = await h.agent('elena.k', { skills: ['vip'], languages: ['en'] });
    await h.agent('general');
    const vip = await h.open('vip', { casinoPlayerId: 'P-1001' });
    expect((await statusOf(h, vip.caseId))?.agentId).toBe(elena.id);
  });

  it('lets only one of two simultaneous claims win', async () => {
    const h = await deskHarness();
    const a = await h.agent('anna', { online: false });
    const b = await h.agent('bob', { online: false });
    const c = await h.open('p');
    const results = await Promise.allSettled([h.desk.claim(a, c.caseId), h.desk.claim(b, c.caseId)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isCroupierError(rejected.reason, 'CROUPIER_HANDOFF_TAKEN')).toBe(true);
  });

  it('transfers to a skill (back to the queue, not back to the sender), to a tier, or to a named agent', async () => {
    const h = await deskHarness();
    const first = await h.agent('first', { skills: ['general', 'payments'] });
    const c = await h.open('p');
    expect((await statusOf(h, c.caseId))?.agentId).toBe(first.id);
    const moved = await h.desk.transfer(first, c.caseId, { skill: 'payments' });
    expect(moved).toMatchObject({ status: 'queued', skill: 'payments', agentId: null });
    const payments = await h.agent('payments-desk', { skills: ['payments'] });
    expect((await statusOf(h, c.caseId))?.agentId).toBe(payments.id);
    const senior = await h.agent('senior', { skills: ['payments'], tier: 2, capacity: 1 });
    const up = await h.desk.transfer(payments, c.caseId, { tier: 2 });
    expect(up).toMatchObject({ tier: 2 });
    expect((await statusOf(h, c.caseId))?.agentId).toBe(senior.id);
    const named = await h.desk.transfer(senior, c.caseId, { agentId: first.id });
    expect(named).toMatchObject({ status: 'assigned', agentId: first.id });
    expect(await codeOf(h.desk.transfer(first, c.caseId, { agentId: 'nobody' }))).toBe('CROUPIER_INPUT_NOT_FOUND');
  });

  it('survives a restart: open cases, queue and the pending rating come back from the store', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const h = await deskHarness({ store });
    const agent = await h.agent('ann', { capacity: 1 });
    const one = await h.open('one');
    const two = await h.open('two');
    await h.desk.close(agent, one.caseId, true);
    const again = await deskHarness({ store, start: h.clock.now().toISOString() });
    const open = await again.desk.listCases(supervisorView(), 'open');
    expect(open.map((c) => [c.id, c.status, c.agentId])).toEqual([[two.caseId, 'assigned', agent.id]]);
    const turn = await turnFor(again, 'one', { payload: 'csat:2', text: '2' });
    expect(await again.desk.route(turn)).toBe(true);
    expect((await store.handoff.getCase(one.caseId))?.data['csat']).toBe(2);
  });
});

describe('what the player is told', () => {
  it('updates a waiting player when their place improves, at most every queueUpdateMinutes', async () => {
    const h = await deskHarness({ handoff: { capacity: 1, queueUpdateMinutes: 2 } });
    const agent = await h.agent('ann', { online: false });
    const cases = [];
    for (const key of ['p1', 'p2', 'p3']) {
      cases.push(await h.open(key));
      h.clock.advance(1000);
    }
    expect(cases[2]!.notices[0]).toMatch(/number 3 in the queue/);
    await h.desk.setOnline(agent, true);
    await h.desk.idle();
    // p2 and p3 moved up, but hear nothing until the interval has passed
    await h.minutes(1);
    expect(h.saidTo('p3')).toEqual([]);
    await h.minutes(1);
    expect(h.saidTo('p3')).toEqual([expect.stringMatching(/^You've moved up to number 2 in the queue — about \d+ min to go\.$/)]);
    expect(h.saidTo('p2')).toEqual([expect.stringMatching(/number 1 in the queue/)]);
    // nothing changes: no more messages
    await h.minutes(3);
    expect(h.saidTo('p3')).toHaveLength(1);
  });

  it('bases the estimate on recent handling times once a few cases closed', async () => {
    const h = await deskHarness({ handoff: { capacity: 1, estimatedHandleMinutes: 8 } });
    const agent = await h.agent('ann');
    for (const key of ['h1', 'h2', 'h3']) {
      const c = await h.open(key);
      h.clock.advance(20 * 60_000);
      await h.desk.close(agent, c.caseId, true);
    }
    await h.open('busy');
    const waiting = await h.open('waiting');
    expect(waiting.notices[0]).toMatch(/the wait is about 20 min/);
  });

  it('outside business hours says when the team is back, and starts the SLA clocks then', async () => {
    // Monday 2026-03-02 20:00 in Berlin; the team works 09:00–18:00 on weekdays
    const weekdays = ['09:00-18:00'];
    const h = await deskHarness({
      start: '2026-03-02T19:00:00Z',
      handoff: {
        businessHours: { timezone: 'Europe/Berlin', weekly: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays } },
      },
    });
    const opened = await h.open('night');
    expect(opened.status).toBe('queued');
    expect(opened.notices[0]).toMatch(/offline right now and back on Tuesday, March 3 at 9:00 AM GMT\+1/);
    const view = await statusOf(h, opened.caseId);
    expect(view?.firstReplyDueAt).toBe('2026-03-03T08:05:00.000Z');
    expect(view?.slaState).toBe('ok');
    await h.minutes(60);
    expect(h.events.some((e) => e.type === 'sla.breach')).toBe(false);
    expect(h.saidTo('night')).toEqual([]);
    // the team is back (Tuesday 09:00 Berlin) with nobody online yet: the player hears their place
    h.clock.advance(Date.parse('2026-03-03T08:00:00Z') - h.clock.now().getTime());
    await h.minutes(2);
    expect(h.saidTo('night')).toEqual([expect.stringMatching(/^You're number 1 in the queue/)]);
  });

  it('tells the player in their language', async () => {
    const h = await deskHarness();
    const ru = await h.open('ru', { language: 'ru' });
    expect(ru.notices[0]).toMatch(/^Вы 1-й в очереди, ожидание — примерно 8 мин\./);
    const ro = await h.open('ro', { language: 'ro' });
    expect(ro.notices[0]).toMatch(/^Ești pe locul 1 în coadă/);
  });
});

describe('SLA clocks', () => {
  it('goes ok → warning → breached without a first reply: alerts, logs a stable code, calls the webhook and re-routes', async () => {
    const h = await deskHarness({ handoff: { breachWebhookUrl: 'https://ops.example.com/hooks/sla' } });
    const silent = await h.agent('silent');
    const c = await h.open('p');
    expect((await statusOf(h, c.caseId))?.agentId).toBe(silent.id);
    await h.minutes(3);
    expect((await statusOf(h, c.caseId))?.slaState).toBe('ok');
    await h.minutes(1);
    expect((await statusOf(h, c.caseId))?.slaState).toBe('warning');
    expect(h.events.some((e) => e.type === 'case.updated' && e.case.id === c.caseId && e.case.sla.state === 'warning')).toBe(true);
    const other = await h.agent('other', { skills: ['payments'] });
    await h.minutes(1);
    const breach = h.events.find((e) => e.type === 'sla.breach');
    expect(breach).toMatchObject({ kind: 'first_reply' });
    const line = h.lines.find((l) => l['code'] === 'CROUPIER_HANDOFF_SLA_BREACHED');
    expect(line).toMatchObject({ caseId: c.caseId, kind: 'first_reply', agentId: silent.id });
    expect(h.webhooks).toEqual([
      {
        url: 'https://ops.example.com/hooks/sla',
        body: expect.objectContaining({ type: 'sla.breach', caseId: c.caseId, kind: 'first_reply' }) as unknown,
      },
    ]);
    // re-routed: taken from the agent who did not answer, open to any skill, so "other" gets it
    const after = await statusOf(h, c.caseId);
    expect(after).toMatchObject({ slaState: 'breached', agentId: other.id });
    expect(after?.sla.breaches).toEqual([{ kind: 'first_reply', at: '2026-03-02T10:05:00.000Z' }]);
    // the breach is recorded once
    await h.minutes(5);
    expect(h.events.filter((e) => e.type === 'sla.breach')).toHaveLength(1);
  });

  it('uses the channel target when one is configured', async () => {
    const h = await deskHarness({ handoff: { sla: { firstReplyMinutes: 5, firstReplyMinutesByChannel: { email: 120 } } } });
    const mail = await h.open('m', { channel: 'email' });
    const chat = await h.open('c');
    expect((await statusOf(h, mail.caseId))?.firstReplyDueAt).toBe('2026-03-02T12:00:00.000Z');
    expect((await statusOf(h, chat.caseId))?.firstReplyDueAt).toBe('2026-03-02T10:05:00.000Z');
  });

  it('a first reply stops the first clock; after 60 minutes unresolved the case goes up a tier to a senior', async () => {
    const h = await deskHarness();
    const junior = await h.agent('junior');
    const c = await h.open('p');
    await h.minutes(2);
    await h.desk.reply(junior, c.caseId, 'Hello, looking into it.');
    await h.minutes(10);
    expect((await statusOf(h, c.caseId))?.slaState).toBe('ok');
    const senior = await h.agent('senior', { tier: 2 });
    await h.minutes(36);
    expect((await statusOf(h, c.caseId))?.slaState).toBe('warning');
    await h.minutes(12);
    const escalated = await statusOf(h, c.caseId);
    expect(escalated).toMatchObject({ tier: 2, agentId: senior.id, slaState: 'breached', escalateAt: '2026-03-02T12:00:00.000Z' });
    expect(h.events.filter((e) => e.type === 'sla.breach').map((e) => (e as { kind: string }).kind)).toEqual(['resolution']);
    expect(h.saidTo('p')).toEqual(['Hello, looking into it.', 'senior from our support team has joined the chat.']);
  });
});

describe('back to the bot, and the rating', () => {
  it('closing gives the conversation back to the bot and asks for a 1–5 rating with buttons', async () => {
    const h = await deskHarness();
    const agent = await h.agent('ann');
    const c = await h.open('p');
    await h.store.conversations.save({ ...(await h.store.conversations.findByKey('web', 'p'))!, status: 'agent' });
    const closed = await h.desk.close(agent, c.caseId, false);
    expect(closed).toMatchObject({ status: 'closed', resolved: false });
    expect((await h.store.conversations.findByKey('web', 'p'))?.status).toBe('bot');
    const question = h.said.at(-1)!;
    expect(question.outbound.text).toMatch(/How would you rate the help you got, from 1 \(poor\) to 5 \(excellent\)\?/);
    expect(question.outbound.buttons?.map((b) => b.payload)).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    expect(question.outbound.author).toBe('bot');
    expect(h.desk.loadOf(agent.id)).toBe(0);

    const turn = await turnFor(h, 'p', { payload: 'csat:5' });
    expect(await h.desk.route(turn)).toBe(true);
    expect(turn.replies).toEqual([
      { kind: 'text', text: 'Thank you for your rating! If anything else comes up, just write here.', author: 'bot' },
    ]);
    expect(await h.store.handoff.getCase(c.caseId)).toMatchObject({ data: expect.objectContaining({ csat: 5 }) as unknown });
    expect((await h.store.events.list({ type: 'csat.rated' }))[0]?.data).toMatchObject({ rating: 5, resolved: false });
    // asked once: the next "5" is the bot's business
    expect(await h.desk.route(await turnFor(h, 'p', { text: '5' }))).toBe(false);
  });

  it('anything but a rating goes on to the bot and the question is dropped', async () => {
    const h = await deskHarness();
    const agent = await h.agent('ann');
    const c = await h.open('p');
    await h.desk.close(agent, c.caseId, true);
    expect(await h.desk.route(await turnFor(h, 'p', { text: 'where is my withdrawal' }))).toBe(false);
    expect(await h.desk.route(await turnFor(h, 'p', { text: '4' }))).toBe(false);
    expect((await h.store.handoff.getCase(c.caseId))?.data['csat']).toBeNull();
  });

  it('a rating question the player passed over stays dropped after a restart: a later "2" is not taken as a rating', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const h = await deskHarness({ store });
    const agent = await h.agent('ann');
    const c = await h.open('p');
    await h.desk.close(agent, c.caseId, true);
    expect(await h.desk.route(await turnFor(h, 'p', { text: 'where is my withdrawal' }))).toBe(false);
    h.clock.advance(60_000);
    const again = await deskHarness({ store, start: h.clock.now().toISOString() });
    // e.g. the player types the number of an option the bot just offered as buttons
    expect(await again.desk.route(await turnFor(again, 'p', { text: '2' }))).toBe(false);
    expect((await store.handoff.getCase(c.caseId))?.data['csat']).toBeNull();
  });

  it('a rating button pressed after the player wrote something else still counts (also after a restart); a typed digit does not', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const h = await deskHarness({ store });
    const agent = await h.agent('ann');
    const c = await h.open('p');
    await h.desk.close(agent, c.caseId, true);
    expect(await h.desk.route(await turnFor(h, 'p', { text: 'thank you so much!' }))).toBe(false);
    expect(await h.desk.route(await turnFor(h, 'p', { text: '3' }))).toBe(false);
    const again = await deskHarness({ store, start: h.clock.now().toISOString() });
    const pressed = await turnFor(again, 'p', { payload: 'csat:5', text: '5' });
    expect(await again.desk.route(pressed)).toBe(true);
    expect(pressed.replies.map((r) => (r.kind === 'text' ? r.text : ''))).toEqual([
      'Thank you for your rating! If anything else comes up, just write here.',
    ]);
    expect((await store.handoff.getCase(c.caseId))?.data['csat']).toBe(5);
    // rated once: a second press is the bot's business
    expect(await again.desk.route(await turnFor(again, 'p', { payload: 'csat:4' }))).toBe(false);
    expect((await store.handoff.getCase(c.caseId))?.data['csat']).toBe(5);
  });

  it('a rating button pressed more than a day after the close is not taken', async () => {
    const h = await deskHarness();
    const agent = await h.agent('ann');
    const c = await h.open('p');
    await h.desk.close(agent, c.caseId, true);
    expect(await h.desk.route(await turnFor(h, 'p', { text: 'bye' }))).toBe(false);
    await h.minutes(25 * 60);
    expect(await h.desk.route(await turnFor(h, 'p', { payload: 'csat:5' }))).toBe(false);
    expect((await h.store.handoff.getCase(c.caseId))?.data['csat']).toBeNull();
  });

  it('after a restart only the latest closed case of a conversation waits for its rating', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const h = await deskHarness({ store });
    const agent = await h.agent('ann');
    const first = await h.open('p');
    await h.desk.close(agent, first.caseId, true);
    h.clock.advance(60_000);
    // the player asks for a person again instead of rating; that case is closed and rated
    const second = await h.open('p');
    await h.desk.close(agent, second.caseId, true);
    expect(await h.desk.route(await turnFor(h, 'p', { payload: 'csat:5' }))).toBe(true);
    const again = await deskHarness({ store, start: h.clock.now().toISOString() });
    expect(await again.desk.route(await turnFor(again, 'p', { text: '3' }))).toBe(false);
    expect((await store.handoff.getCase(first.caseId))?.data['csat']).toBeNull();
    expect((await store.handoff.getCase(second.caseId))?.data['csat']).toBe(5);
  });

  it('a message the player sends while the case is being closed does not use up the rating question that follows it', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const h = await deskHarness({ store });
    const agent = await h.agent('ann');
    const c = await h.open('p');
    const early = await turnFor(h, 'p', { text: 'thanks, bye' });
    // The close's first write waits: the case is off the desk, the question is not out yet.
    const saveCase = store.handoff.saveCase.bind(store.handoff);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let saving = () => {};
    const saved = new Promise<void>((resolve) => (saving = resolve));
    store.handoff.saveCase = async (record) => {
      saving();
      await held;
      return saveCase(record);
    };
    const closing = h.desk.close(agent, c.caseId, true);
    await saved;
    store.handoff.saveCase = saveCase;
    expect(await h.desk.route(early)).toBe(false);
    release();
    await closing;
    expect(h.saidTo('p').at(-1)).toMatch(/How would you rate/);
    const answer = await turnFor(h, 'p', { payload: 'csat:4', text: '4' });
    expect(await h.desk.route(answer)).toBe(true);
    expect((await h.store.handoff.getCase(c.caseId))?.data['csat']).toBe(4);
  });

  it('while a case is open, the player writes to the case and the agents see it live', async () => {
    const h = await deskHarness();
    await h.agent('ann');
    const c = await h.open('p');
    const turn = await turnFor(h, 'p', { text: 'hello? anyone?' });
    expect(await h.desk.route(turn)).toBe(true);
    expect(turn.replies).toEqual([]);
    expect(turn.conversation?.status).toBe('agent');
    const message = h.events.find((e) => e.type === 'case.message');
    expect(message).toMatchObject({ case: { id: c.caseId }, entry: { text: 'hello? anyone?', author: 'player' } });
    expect((await statusOf(h, c.caseId))?.lastMessage).toEqual({ text: 'hello? anyone?', at: '2026-03-02T10:00:00.000Z' });
  });

  it('reads ratings as buttons, digits and stars', () => {
    expect(parseRating({ payload: 'csat:3' })).toBe(3);
    expect(parseRating({ payload: 'flow:greeting' })).toBeUndefined();
    expect(parseRating({ text: ' 4 ' })).toBe(4);
    expect(parseRating({ text: '5/5' })).toBe(5);
    expect(parseRating({ text: '⭐⭐⭐' })).toBe(3);
    expect(parseRating({ text: '6' })).toBeUndefined();
    // as phone keyboards send them: emoji stars with a variation selector, keycap digits
    expect(parseRating({ text: '\u2B50\uFE0F\u2B50\uFE0F\u2B50\uFE0F\u2B50\uFE0F' })).toBe(4);
    expect(parseRating({ text: '5\u2B50\uFE0F' })).toBe(5);
    expect(parseRating({ text: ' 5\uFE0F\u20E3 ' })).toBe(5);
    expect(parseRating({ text: '6\uFE0F\u20E3' })).toBeUndefined();
    expect(parseRating({ text: '4 but slow' })).toBeUndefined();
  });
});

describe('agents and sessions on the desk', () => {
  it('throttles a login after ten failures', async () => {
    const h = await deskHarness();
    await h.agent('ann');
    for (let i = 0; i < 10; i++) expect(await codeOf(h.desk.login('ann', 'wrong-password'))).toBe('CROUPIER_INPUT_UNAUTHORIZED');
    expect(await codeOf(h.desk.login('ann', 'test-password'))).toBe('CROUPIER_INPUT_RATE_LIMITED');
    h.clock.advance(16 * 60_000);
    expect(await codeOf(h.desk.login('ann', 'test-password'))).toBeUndefined();
  });

  it('never logs a password', async () => {
    const h = await deskHarness();
    await h.agent('ann');
    await codeOf(h.desk.login('ann', 'not-the-password-123'));
    expect(JSON.stringify(h.lines)).not.toContain('not-the-password-123');
    expect(JSON.stringify(h.lines)).not.toContain('test-password');
  });
});
