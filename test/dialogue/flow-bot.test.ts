import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefillAnswer } from '../../src/dialogue/answer.js';
import { loadCatalogue } from '../../src/dialogue/catalogue.js';
import { FlowBot, type DialogueContent } from '../../src/dialogue/flow-bot.js';
import { loadFlowDirectory } from '../../src/dialogue/flow-loader.js';
import type { BackOfficePort } from '../../src/dialogue/ports.js';
import { keywordNlu } from '../support/fake-nlu.js';
import { createHarness, inbound, type Harness } from '../support/pipeline-harness.js';

const root = 'test/fixtures/dialogue';
function content(): DialogueContent {
  const { flows, issues } = loadFlowDirectory(`${root}/flows`, '.');
  expect(issues).toEqual([]);
  const { catalogue } = loadCatalogue(`${root}/texts`, 'en');
  return {
    flows,
    catalogue,
    nlu: keywordNlu({ 'withdraw|retirada': 'withdrawal_status', deposit: 'deposit_issue', 'human|agent|persona': 'human_agent' }),
  };
}

function backOffice(overrides: Partial<BackOfficePort> = {}): BackOfficePort & { codes: string[] } {
  const codes: string[] = [];
  return {
    codes,
    actions: new Set(['crm.withdrawals']),
    runAction: async () => ({ count: 1, pending_count: 1, latest: { amount: { amount: 250, currency: 'EUR' }, state: 'pending' } }),
    profile: async (id) => ({ casino_player_id: id, vip_tier: 'gold', currency: 'EUR' }),
    findByEmail: async (email) => (email === 'ana@example.com' ? { casinoPlayerId: 'P-1' } : null),
    sendCode: async () => {
      codes.push('123456');
      return { sentTo: 'a***@example.com' };
    },
    checkCode: async (_id, code) => (code === '123456' ? 'valid' : 'invalid'),
    ...overrides,
  };
}

/** The fixture flows plus `extra` (file name to YAML lines), with more keyword rules for the NLU. */
function withFlows(extra: Record<string, string[]>, rules: Record<string, string>): DialogueContent {
  const dir = mkdtempSync(join(tmpdir(), 'croupier-flows-'));
  for (const file of readdirSync(`${root}/flows`)) writeFileSync(join(dir, file), readFileSync(join(root, 'flows', file)));
  for (const [file, lines] of Object.entries(extra)) writeFileSync(join(dir, file), lines.join('\n'));
  const { flows, issues } = loadFlowDirectory(dir, '.');
  expect(issues).toEqual([]);
  const base = content();
  return {
    ...base,
    flows,
    nlu: keywordNlu({ ...rules, 'withdraw|retirada': 'withdrawal_status', deposit: 'deposit_issue', 'human|agent|persona': 'human_agent' }),
  };
}

function setup(port: BackOfficePort = backOffice(), current: DialogueContent = content()): Harness {
  const h = createHarness();
  h.setBot(new FlowBot({ content: () => current, backOffice: port, players: h.store.players, events: h.store.events, clock: h.clock }));
  return h;
}

async function say(h: Harness, text: string, extra: Parameters<typeof inbound>[0] = {}) {
  const before = h.delivered.length;
  const result = await h.pipeline.handle(inbound({ text, ...extra }));
  expect(result.failed).toBe(false);
  return h.delivered.slice(before).flatMap(({ outbound }) => (outbound.kind === 'text' ? [outbound] : []));
}

describe('FlowBot', () => {
  it('takes a typed number as the answer, not as a numbered option, when the question wants a number', async () => {
    // WhatsApp Web shows options as "1. Deposits": a "1" is the first option, unless the bot is
    // waiting for an amount, where "1" means one euro.
    const h = createHarness({ capabilities: () => ({ buttons: null, textMax: 4096, formatting: 'plain' }) });
    const current = content();
    h.setBot(
      new FlowBot({ content: () => current, backOffice: backOffice(), players: h.store.players, events: h.store.events, clock: h.clock }),
    );
    const asked = await say(h, 'deposit');
    expect(asked.at(-1)?.buttons?.map((b) => b.payload)).toEqual(['goto:give_up']);
    expect((await say(h, '1')).map((m) => m.text)).toEqual(['Which method?']);
    const handoffs = await h.store.events.list({ type: 'handoff.requested' });
    expect(handoffs).toEqual([]);
  });

  it('verifies the player with a one-time code, calls the back office and answers with formatted money', async () => {
    const h = setup();
    expect((await say(h, 'where is my withdrawal')).map((m) => m.text)).toEqual(['What is your e-mail?']);
    expect((await say(h, 'it is nobody@example.com')).map((m) => m.text)).toEqual(['I cannot find that e-mail.']);
    expect((await say(h, 'ana@example.com')).map((m) => m.text)).toEqual(['Code sent to a***@example.com.']);
    expect((await say(h, '111111')).map((m) => m.text)).toEqual(['Wrong code.']);
    expect((await say(h, 'the code is 123 456')).map((m) => m.text)).toEqual([
      'You are verified.',
      'Your withdrawal of €250.00 is pending.',
    ]);
    const player = await h.store.players.findByCasinoId('P-1');
    expect(player?.verifiedAt).toBeInstanceOf(Date);
    const events = (await h.store.events.list()).map(
      (e) => `${e.type}:${JSON.stringify(e.data?.['flow'] ?? e.data?.['intent'] ?? '').replace(/"/g, '')}`,
    );
    expect(events).toContain('flow.started:withdrawal_status');
    expect(events).toContain('flow.ended:withdrawal_status');
    // already verified: straight to the answer
    expect((await say(h, 'withdraw status again')).map((m) => m.text)).toEqual(['Your withdrawal of €250.00 is pending.']);
  });

  it('re-asks with a hint, offers choices as buttons, and gives up to the on_give_up step', async () => {
    const h = setup();
    await say(h, 'my deposit is missing');
    expect((await say(h, 'dunno')).map((m) => m.text)).toEqual(['Please give an amount like 50 EUR.', 'How much did you deposit?']);
    const method = await say(h, '50 eur');
    expect(method[0]?.text).toBe('Which method?');
    expect(method[0]?.buttons?.map((b) => b.payload)).toEqual(['choice:card', 'choice:skrill']);
    expect((await say(h, 'with my VISA')).map((m) => m.text)).toEqual(['Checking €50.00 by card.', 'Done.']);
    const state = (await h.store.conversations.findByKey('test', 'chat-1'))?.state as { slots: Record<string, unknown> };
    expect(state.slots).toMatchObject({ amount: { amount: 50, currency: 'EUR' }, method: 'card', checked_by: 'bot', attempts: 1 });

    await say(h, 'deposit again');
    await say(h, '???');
    const gaveUp = await say(h, 'no idea');
    expect(gaveUp.map((m) => m.text)).toEqual(['A colleague will take over.']);
    const handoff = await h.store.events.list({ type: 'handoff.requested' });
    expect(handoff.at(-1)?.data).toMatchObject({ reason: 'deposit_unclear', skill: 'payments' });
  });

  it('branches on slot values and hands off with the step priority', async () => {
    const h = setup();
    await say(h, 'deposit');
    await say(h, '1500 EUR');
    const reply = await h.pipeline.handle(inbound({ payload: 'choice:skrill' }));
    expect(reply.replies.map((r) => r.text)).toEqual(['Checking €1,500.00 by skrill.', 'A colleague will take over.']);
    expect((await h.store.events.list({ type: 'handoff.requested' }))[0]?.data).toMatchObject({
      reason: 'large_deposit',
      priority: 'high',
    });
    expect((await h.store.conversations.get(reply.conversationId!))?.status).toBe('queued');
  });

  it('takes a digression into another flow and comes back to the interrupted question', async () => {
    const h = setup();
    await h.store.players.findOrCreateByAccount({ channel: 'test', userId: 'user-1' }, { at: new Date() });
    await say(h, 'deposit problem');
    const digression = await say(h, 'where is my withdrawal?');
    expect(digression.map((m) => m.text)).toEqual(['What is your e-mail?']);
    await say(h, 'ana@example.com');
    const back = await say(h, '123456');
    expect(back.map((m) => m.text)).toEqual([
      'You are verified.',
      'Your withdrawal of €250.00 is pending.',
      'Back to my question.',
      'How much did you deposit?',
    ]);
    expect((await say(h, '20€')).map((m) => m.text)).toEqual(['Which method?']);
  });

  it('takes a digression while waiting for the e-mail, and asks for it again afterwards without counting a try', async () => {
    const h = setup();
    await h.store.players.findOrCreateByAccount({ channel: 'test', userId: 'user-1' }, { at: new Date() });
    expect((await say(h, 'where is my withdrawal')).map((m) => m.text)).toEqual(['What is your e-mail?']);
    expect((await say(h, 'my deposit is missing')).map((m) => m.text)).toEqual(['How much did you deposit?']);
    expect((await say(h, '20 eur')).map((m) => m.text)).toEqual(['Which method?']);
    expect((await say(h, 'skrill')).at(-1)?.text).toBe('What is your e-mail?');
    // three tries are still left: two wrong e-mails do not end the verification
    expect((await say(h, 'nobody@example.com')).map((m) => m.text)).toEqual(['I cannot find that e-mail.']);
    expect((await say(h, 'nobody2@example.com')).map((m) => m.text)).toEqual(['I cannot find that e-mail.']);
    expect((await say(h, 'ana@example.com')).map((m) => m.text)).toEqual(['Code sent to a***@example.com.']);
    expect((await say(h, '123456')).map((m) => m.text)).toEqual(['You are verified.', 'Your withdrawal of €250.00 is pending.']);
  });

  it('keeps a message without a code on the code question: players write about the code there, which reads as a promo-code question', async () => {
    const h = setup(
      backOffice(),
      withFlows(
        {
          'promo_code.yaml': [
            'flow: promo_code',
            'triggers: [promo_code]',
            'steps:',
            '  - id: promo',
            '    end: resolved',
            '    say: deposit.done',
          ],
        },
        { code: 'promo_code' },
      ),
    );
    await h.store.players.findOrCreateByAccount({ channel: 'test', userId: 'user-1' }, { at: new Date() });
    await say(h, 'where is my withdrawal');
    expect((await say(h, 'ana@example.com')).map((m) => m.text)).toEqual(['Code sent to a***@example.com.']);
    // "I didn't get the code", "resend the code", "nu am primit codul": not a promo-code question
    expect((await say(h, 'i didnt get the code')).map((m) => m.text)).toEqual(['New code sent to a***@example.com.']);
    expect((await say(h, 'the code?')).map((m) => m.text)).toEqual(['Type the code.']);
    expect((await h.store.events.list({ type: 'flow.started' })).map((e) => e.data?.['flow'])).toEqual(['withdrawal_status']);
    expect((await say(h, '123456')).map((m) => m.text)).toEqual(['You are verified.', 'Your withdrawal of €250.00 is pending.']);
  });

  it('does not ask for the e-mail again after a digression that verified the player', async () => {
    const h = setup(
      backOffice(),
      withFlows(
        {
          'account_balance.yaml': [
            'flow: account_balance',
            'triggers: [account_balance]',
            'steps:',
            '  - id: verify',
            '    verify: player',
            '  - id: shown',
            '    end: resolved',
            '    say: deposit.done',
          ],
        },
        { balance: 'account_balance' },
      ),
    );
    await h.store.players.findOrCreateByAccount({ channel: 'test', userId: 'user-1' }, { at: new Date() });
    expect((await say(h, 'where is my withdrawal')).map((m) => m.text)).toEqual(['What is your e-mail?']);
    expect((await say(h, 'and my balance?')).map((m) => m.text)).toEqual(['What is your e-mail?']);
    expect((await say(h, 'ana@example.com')).map((m) => m.text)).toEqual(['Code sent to a***@example.com.']);
    expect((await say(h, '123456')).map((m) => m.text)).toEqual(['You are verified.', 'Done.', 'Your withdrawal of €250.00 is pending.']);
  });

  it('does not ask what the message that started the flow already said, when only one answer is named', async () => {
    const h = setup();
    expect((await say(h, 'my skrill deposit is missing')).map((m) => m.text)).toEqual(['How much did you deposit?']);
    expect((await say(h, '50 eur')).map((m) => m.text)).toEqual(['Checking €50.00 by skrill.', 'Done.']);
    // two methods named, or a name inside another word: asked
    await say(h, 'deposit with visa or skrill?');
    expect((await say(h, '50 eur')).map((m) => m.text)).toEqual(['Which method?']);
    await say(h, 'cancel');
    await say(h, 'deposit for my skrillex tickets');
    expect((await say(h, '50 eur')).map((m) => m.text)).toEqual(['Which method?']);
  });

  it('fills a question from the opening message once only, so a flow that loops back asks it the second time', async () => {
    const h = setup(
      backOffice(),
      withFlows(
        {
          'deposit_issue.yaml': [
            'flow: deposit_issue',
            'triggers: [deposit_issue]',
            'steps:',
            '  - id: method',
            '    ask: deposit.ask_method',
            '    slot: method',
            '    expect: choice',
            '    choices: [{ value: card, label: deposit.card }, { value: skrill, label: deposit.skrill }]',
            '  - id: again',
            '    say: deposit.done',
            '    next: method',
          ],
        },
        {},
      ),
    );
    expect((await say(h, 'skrill deposit')).map((m) => m.text)).toEqual(['Done.', 'Which method?']);
  });

  it('prefills only answers that cannot be a coincidence', () => {
    const { catalogue } = loadCatalogue(`${root}/texts`, 'en');
    const step = (expect: string, extra: Record<string, unknown> = {}) =>
      ({ id: 's', ask: 'deposit.ask_amount', expect, ...extra }) as never;
    const amount = { amount: 50, currency: 'EUR' };
    expect(
      prefillAnswer(step('amount'), { text: 'my 50 eur deposit', entities: [{ entity: 'amount', value: amount }] }, 'en', catalogue),
    ).toEqual({
      ok: true,
      value: amount,
    });
    // a bare number is not an amount ("I tried 3 times")
    expect(
      prefillAnswer(
        step('amount'),
        { text: 'deposit failed 3 times', entities: [{ entity: 'amount', value: { amount: 3 } }] },
        'en',
        catalogue,
      ).ok,
    ).toBe(false);
    expect(prefillAnswer(step('email'), { text: 'reset for ana@example.com', entities: [] }, 'en', catalogue)).toEqual({
      ok: true,
      value: 'ana@example.com',
    });
    // two different amounts or e-mails: which one the question means is the player's to say
    const twoAmounts = [
      { entity: 'amount', value: { amount: 100, currency: 'EUR' } },
      { entity: 'amount', value: { amount: 50, currency: 'EUR' } },
    ];
    expect(prefillAnswer(step('amount'), { text: 'sent 100 eur, got 50 eur', entities: twoAmounts }, 'en', catalogue).ok).toBe(false);
    const sameTwice = [twoAmounts[0]!, twoAmounts[0]!];
    expect(prefillAnswer(step('amount'), { text: '100 eur deposit, yes 100 eur', entities: sameTwice }, 'en', catalogue).ok).toBe(true);
    const moved = 'my old email was old@mail.com, now its Ana@Example.com';
    expect(prefillAnswer(step('email'), { text: moved, entities: [] }, 'en', catalogue).ok).toBe(false);
    expect(prefillAnswer(step('email'), { text: 'ana@example.com / ANA@example.com', entities: [] }, 'en', catalogue).ok).toBe(true);
    // a choice denied right before it is not the answer ("not skrill", "isn't skrill, it's my visa")
    const method = step('choice', {
      choices: [
        { value: 'card', label: 'deposit.card', synonyms: ['visa'] },
        { value: 'skrill', label: 'deposit.skrill' },
      ],
    });
    const chosen = (text: string) => prefillAnswer(method, { text, entities: [] }, 'en', catalogue);
    expect(chosen('deposit, not skrill')).toEqual({ ok: false });
    expect(chosen("it isn't skrill, it's my visa")).toEqual({ ok: true, value: 'card' });
    expect(chosen('no, skrill deposit')).toEqual({ ok: false });
    expect(chosen('my skrill deposit is not there')).toEqual({ ok: true, value: 'skrill' });
    // a choice marked prefill: false is never taken from the first message, and still makes another one ambiguous
    const passing = step('choice', {
      choices: [
        { value: 'card', label: 'deposit.card', synonyms: ['visa'], prefill: false },
        { value: 'skrill', label: 'deposit.skrill' },
      ],
    });
    expect(prefillAnswer(passing, { text: 'my visa deposit', entities: [] }, 'en', catalogue)).toEqual({ ok: false });
    expect(prefillAnswer(passing, { text: 'visa to skrill deposit', entities: [] }, 'en', catalogue)).toEqual({ ok: false });
    expect(prefillAnswer(passing, { text: 'my skrill deposit', entities: [] }, 'en', catalogue)).toEqual({ ok: true, value: 'skrill' });
    for (const expectation of ['yes_no', 'number', 'code', 'text']) {
      expect(prefillAnswer(step(expectation), { text: 'no 123456 deposit', entities: [] }, 'en', catalogue).ok).toBe(false);
    }
  });

  it('sends a new code on request (button or words), twice at most, without using up a try', async () => {
    const port = backOffice();
    const h = setup(port);
    await say(h, 'where is my withdrawal');
    const sent = await say(h, 'ana@example.com');
    expect(sent.map((m) => m.text)).toEqual(['Code sent to a***@example.com.']);
    expect(sent[0]?.buttons).toEqual([{ label: 'New code', payload: 'verify:resend' }]);
    const again = await say(h, 'i didnt get it');
    expect(again.map((m) => m.text)).toEqual(['New code sent to a***@example.com.']);
    expect(again[0]?.buttons?.map((b) => b.payload)).toEqual(['verify:resend']);
    // the last one allowed: no button offers a third
    const last = await h.pipeline.handle(inbound({ payload: 'verify:resend' }));
    expect(last.replies.map((r) => [r.text, r.buttons ?? []])).toEqual([['New code sent to a***@example.com.', []]]);
    expect((await say(h, 'new code please')).map((m) => m.text)).toEqual(['No more codes.']);
    expect(port.codes).toHaveLength(3);
    // something that is not a code is asked for again (not called a wrong code); a wrong code is wrong
    expect((await say(h, 'hmm')).map((m) => m.text)).toEqual(['Type the code.']);
    expect((await say(h, '000000')).map((m) => m.text)).toEqual(['Wrong code.']);
    expect((await say(h, '123456')).map((m) => m.text)).toEqual(['You are verified.', 'Your withdrawal of €250.00 is pending.']);
  });

  it('hands off on request from any step, and cancels on the cancel words', async () => {
    const h = setup();
    await say(h, 'deposit');
    expect((await say(h, 'I want a human')).map((m) => m.text)).toEqual(['A colleague will take over.']);
    expect((await h.store.events.list({ type: 'handoff.requested' }))[0]?.data).toMatchObject({ reason: 'player_request' });

    const other = setup();
    await say(other, 'deposit');
    expect((await say(other, 'Cancel!')).map((m) => m.text)).toEqual(['Cancelled.']);
    expect((await say(other, '50 eur')).map((m) => m.text)[0]).toMatch(/I did not get/);
  });

  it('switches language on request and repeats the pending question in the new language', async () => {
    const h = setup();
    await say(h, 'deposit');
    expect((await say(h, 'español por favor')).map((m) => m.text)).toEqual(['Vale, seguimos en español.', '¿Cuánto depositaste?']);
  });

  it('offers the menu when it does not understand, and hands off after repeated fallbacks', async () => {
    const h = setup();
    const first = await say(h, 'blah');
    expect(first[0]?.text).toBe('I did not get "blah".');
    expect(first[0]?.buttons?.map((b) => b.payload)).toEqual(['flow:deposit_issue', 'flow:withdrawal_status']);
    await say(h, 'blah blah');
    expect((await say(h, 'blah blah blah')).map((m) => m.text)).toEqual(['A colleague will take over.']);
    expect((await h.store.events.list({ type: 'handoff.requested' }))[0]?.data).toMatchObject({ reason: 'repeated_fallback' });
  });

  it('goes to the error branch when the back office fails', async () => {
    const h = setup(
      backOffice({
        runAction: async () => {
          throw new Error('timeout');
        },
      }),
    );
    await say(h, 'withdrawal');
    await say(h, 'ana@example.com');
    expect((await say(h, '123456')).map((m) => m.text)).toEqual(['You are verified.', 'A colleague will take over.']);
    expect((await h.store.events.list({ type: 'handoff.requested' }))[0]?.data).toMatchObject({
      reason: 'backoffice_error',
      skill: 'payments',
    });
  });

  it('restarts a flow whose current step disappeared after a content change', async () => {
    const h = setup();
    await say(h, 'deposit');
    const conversation = (await h.store.conversations.findByKey('test', 'chat-1'))!;
    conversation.state = { stack: [{ flow: 'deposit_issue', step: 'removed_step', tries: 0, waiting: false }], slots: {}, fallbacks: 0 };
    await h.store.conversations.save(conversation);
    expect((await say(h, 'hello?')).map((m) => m.text)).toEqual(['How much did you deposit?']);
  });
});
