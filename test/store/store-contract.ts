import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { isCroupierError } from '../../src/core/errors.js';
import type { ChannelAccount } from '../../src/core/message.js';
import type { Conversation, Player, Store, TranscriptEntryInput } from '../../src/store/store.js';

/**
 * The behaviour every {@link Store} implementation promises, written against the interface only,
 * so the embedded SQLite store and a PostgreSQL store run the very same suite.
 *
 * `open` gives a fresh, empty store; `reopen`, when given, opens the same database again after
 * `close()`, and enables the durability tests.
 *
 * @example describeStoreContract('sqlite :memory:', async () => ({ store: openSqliteStore({ file: ':memory:' }) }))
 */
export function describeStoreContract(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    let clock: ManualClock;
    const opened: Store[] = [];

    beforeEach(async () => {
      const result = await open();
      store = result.store;
      reopen = result.reopen;
      opened.push(store);
      clock = new ManualClock('2026-03-01T10:00:00Z');
    });

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    /** The time now, then one second later for the next call: every write gets its own instant. */
    const tick = (): Date => {
      const now = clock.now();
      clock.advance(1000);
      return now;
    };

    const newPlayer = (userId = 'u-1', channel = 'telegram'): Promise<Player> =>
      store.players.findOrCreateByAccount({ channel, userId }, { at: tick() });

    const newConversation = async (conversationKey = 'chat-1', channel = 'telegram'): Promise<Conversation> => {
      const player = await newPlayer(`user-of-${conversationKey}`, channel);
      return store.conversations.findOrCreate({ channel, conversationKey }, { playerId: player.id, language: null, at: tick() });
    };

    const said = (conversationId: string, text: string, extra: Partial<TranscriptEntryInput> = {}): TranscriptEntryInput => ({
      conversationId,
      direction: 'in',
      author: 'player',
      text,
      at: tick(),
      ...extra,
    });

    async function expectUnavailable(operation: () => Promise<unknown>): Promise<void> {
      const error: unknown = await operation().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isCroupierError(error, 'CROUPIER_STORE_UNAVAILABLE'), `expected CROUPIER_STORE_UNAVAILABLE, got ${String(error)}`).toBe(true);
    }

    it('has a kind and answers ping while open', async () => {
      expect(typeof store.kind).toBe('string');
      expect(store.kind).not.toBe('');
      await expect(store.ping()).resolves.toBeUndefined();
      await expect(store.durable()).resolves.toBeUndefined();
    });

    describe('receipts', () => {
      it('claims a platform message once; a redelivery is refused', async () => {
        expect(await store.receipts.claim('telegram', 'm-1', tick())).toBe(true);
        expect(await store.receipts.claim('telegram', 'm-1', tick())).toBe(false);
        expect(await store.receipts.claim('telegram', 'm-1', tick())).toBe(false);
      });

      it('dedupes per channel: the same id on another channel is another message', async () => {
        expect(await store.receipts.claim('telegram', '42', tick())).toBe(true);
        expect(await store.receipts.claim('whatsapp', '42', tick())).toBe(true);
        expect(await store.receipts.claim('telegram', '43', tick())).toBe(true);
        expect(await store.receipts.claim('whatsapp', '42', tick())).toBe(false);
      });

      it('keeps a claimed message in the inbox, oldest first, until it is settled', async () => {
        const message = (id: string, at: Date) => ({
          platformMessageId: id,
          channel: 'viber',
          conversationKey: 'v-1',
          sender: { channel: 'viber', userId: 'v-1', displayName: 'Ana' },
          text: `text ${id}`,
          attachments: [],
          receivedAt: at,
          raw: { message_token: '5741311803571721087' },
        });
        const first = message('1', tick());
        const second = message('2', tick());
        expect(await store.receipts.claim('viber', '1', first.receivedAt, first)).toBe(true);
        expect(await store.receipts.claim('viber', '2', second.receivedAt, second)).toBe(true);
        expect(await store.receipts.claim('viber', '2', second.receivedAt, second)).toBe(false);
        expect(await store.receipts.claim('viber', '3', tick())).toBe(true); // no inbox copy asked for
        expect(await store.receipts.unsettled()).toEqual([first, second]);
        await store.receipts.settle('viber', '1');
        await store.receipts.settle('viber', 'never-claimed');
        expect(await store.receipts.unsettled()).toEqual([second]);
      });
    });

    describe('conversations', () => {
      it('findOrCreate creates a conversation with the init values, status bot and empty state', async () => {
        const player = await newPlayer();
        const at = tick();
        const created = await store.conversations.findOrCreate(
          { channel: 'web', conversationKey: 'w-1' },
          { playerId: player.id, language: 'es', at },
        );
        expect(created).toMatchObject({
          channel: 'web',
          conversationKey: 'w-1',
          playerId: player.id,
          language: 'es',
          status: 'bot',
          state: {},
        });
        expect(typeof created.id).toBe('string');
        expect(created.createdAt.getTime()).toBe(at.getTime());
        expect(created.updatedAt.getTime()).toBe(at.getTime());
      });

      it('findOrCreate is idempotent: the second call returns the first conversation, ignoring its init', async () => {
        const first = await newPlayer('a');
        const second = await newPlayer('b');
        const key = { channel: 'telegram', conversationKey: 'chat-9' };
        const a = await store.conversations.findOrCreate(key, { playerId: first.id, language: 'en', at: tick() });
        const b = await store.conversations.findOrCreate(key, { playerId: second.id, language: 'ru', at: tick() });
        expect(b.id).toBe(a.id);
        expect(b.playerId).toBe(first.id);
        expect(b.language).toBe('en');
        expect(b.createdAt.getTime()).toBe(a.createdAt.getTime());
      });

      it('the same conversation key on two channels is two conversations', async () => {
        const player = await newPlayer();
        const init = { playerId: player.id, language: null, at: tick() };
        const telegram = await store.conversations.findOrCreate({ channel: 'telegram', conversationKey: 'k' }, init);
        const viber = await store.conversations.findOrCreate({ channel: 'viber', conversationKey: 'k' }, init);
        expect(viber.id).not.toBe(telegram.id);
        expect((await store.conversations.findByKey('viber', 'k'))?.id).toBe(viber.id);
        expect((await store.conversations.findByKey('telegram', 'k'))?.id).toBe(telegram.id);
      });

      it('findByKey and get find an existing conversation and return undefined for an unknown one', async () => {
        const conversation = await newConversation('chat-7');
        expect(await store.conversations.findByKey('telegram', 'chat-7')).toEqual(conversation);
        expect(await store.conversations.get(conversation.id)).toEqual(conversation);
        expect(await store.conversations.findByKey('telegram', 'nope')).toBeUndefined();
        expect(await store.conversations.findByKey('web', 'chat-7')).toBeUndefined();
        expect(await store.conversations.get('no-such-id')).toBeUndefined();
      });

      it('save round-trips state (nested JSON), language, status and updatedAt', async () => {
        const conversation = await newConversation();
        const state = {
          stack: [{ flow: 'withdrawal_status', step: 'ask_id', slots: { amount: { amount: 150.5, currency: 'EUR' }, ids: [1, 2, 3] } }],
          flags: { verified: true, nothing: null },
          text: 'ünïcødé — "quoted" \n newline',
          count: 0,
        };
        conversation.state = state;
        conversation.language = 'ro';
        conversation.status = 'queued';
        conversation.updatedAt = tick();
        await store.conversations.save(conversation);

        const loaded = await store.conversations.get(conversation.id);
        expect(loaded?.state).toEqual(state);
        expect(loaded?.language).toBe('ro');
        expect(loaded?.status).toBe('queued');
        expect(loaded?.updatedAt.getTime()).toBe(conversation.updatedAt.getTime());
        expect(loaded?.createdAt.getTime()).toBe(conversation.createdAt.getTime());
        expect(await store.conversations.findByKey('telegram', 'chat-1')).toEqual(loaded);
      });

      it('save can clear the language and walks every status', async () => {
        const conversation = await newConversation();
        for (const status of ['agent', 'closed', 'bot'] as const) {
          conversation.status = status;
          conversation.language = status === 'agent' ? 'de' : null;
          await store.conversations.save(conversation);
          const loaded = await store.conversations.get(conversation.id);
          expect(loaded?.status).toBe(status);
          expect(loaded?.language).toBe(conversation.language);
        }
      });

      it('saving one conversation leaves the others alone', async () => {
        const a = await newConversation('a');
        const b = await newConversation('b');
        a.state = { touched: true };
        a.status = 'closed';
        await store.conversations.save(a);
        expect(await store.conversations.get(b.id)).toEqual(b);
      });
    });

    describe('transcript', () => {
      it('append returns the entry with an id and a seq, and list returns it', async () => {
        const conversation = await newConversation();
        const input = said(conversation.id, 'hello');
        const entry = await store.transcript.append(input);
        expect(entry).toMatchObject({ conversationId: conversation.id, direction: 'in', author: 'player', text: 'hello' });
        expect(typeof entry.id).toBe('string');
        expect(typeof entry.seq).toBe('number');
        const listed = await store.transcript.list(conversation.id);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toEqual(entry);
        expect(listed[0]?.at.getTime()).toBe(input.at.getTime());
      });

      it('seq is strictly increasing within a conversation and entries list oldest first', async () => {
        const conversation = await newConversation();
        const appended = [];
        for (const text of ['one', 'two', 'three', 'four']) appended.push(await store.transcript.append(said(conversation.id, text)));
        for (let i = 1; i < appended.length; i++) expect(appended[i]!.seq).toBeGreaterThan(appended[i - 1]!.seq);
        expect(new Set(appended.map((entry) => entry.id)).size).toBe(appended.length);
        const listed = await store.transcript.list(conversation.id);
        expect(listed.map((entry) => entry.text)).toEqual(['one', 'two', 'three', 'four']);
        expect(listed.map((entry) => entry.seq)).toEqual(appended.map((entry) => entry.seq));
      });

      it('seq is per conversation: interleaved appends do not affect each other', async () => {
        const a = await newConversation('a');
        const b = await newConversation('b');
        const seqA: number[] = [];
        const seqB: number[] = [];
        for (let i = 0; i < 3; i++) {
          seqA.push((await store.transcript.append(said(a.id, `a${i}`))).seq);
          seqB.push((await store.transcript.append(said(b.id, `b${i}`))).seq);
        }
        seqA.push((await store.transcript.append(said(a.id, 'a3'))).seq);
        // the nth entry of each conversation has the same position, whatever the other did meanwhile
        expect(seqB).toEqual(seqA.slice(0, 3));
        expect((await store.transcript.list(a.id)).map((entry) => entry.text)).toEqual(['a0', 'a1', 'a2', 'a3']);
        expect((await store.transcript.list(b.id)).map((entry) => entry.text)).toEqual(['b0', 'b1', 'b2']);
      });

      it('round-trips buttons, attachments, payload, platform id, delivery and raw', async () => {
        const conversation = await newConversation();
        const raw = { update_id: 7, message: { chat: { id: -100 }, entities: [{ type: 'bold', offset: 0 }] }, ok: true, none: null };
        const input = said(conversation.id, 'Pick one', {
          direction: 'out',
          author: 'bot',
          payload: 'menu',
          buttons: [
            { label: 'Deposit', payload: 'flow:deposit_issue' },
            { label: 'Withdrawal 💸', payload: 'flow:withdrawal_status' },
          ],
          attachments: [
            { kind: 'image', url: 'https://cdn.example.com/a.png', mimeType: 'image/png' },
            { kind: 'document', platformFileId: 'f-1' },
          ],
          platformMessageId: 'pm-1',
          delivery: 'pending',
          raw,
        });
        await store.transcript.append(input);
        const [entry] = await store.transcript.list(conversation.id);
        expect(entry).toMatchObject({
          direction: 'out',
          author: 'bot',
          text: 'Pick one',
          payload: 'menu',
          buttons: input.buttons,
          attachments: input.attachments,
          platformMessageId: 'pm-1',
          delivery: 'pending',
        });
        expect(entry?.raw).toEqual(raw);
      });

      it('optional fields that were not given are absent, not null', async () => {
        const conversation = await newConversation();
        const appended = await store.transcript.append({ conversationId: conversation.id, direction: 'in', author: 'player', at: tick() });
        const [listed] = await store.transcript.list(conversation.id);
        for (const entry of [appended, listed]) {
          expect(entry).toBeDefined();
          for (const field of ['text', 'payload', 'buttons', 'attachments', 'platformMessageId', 'delivery', 'raw']) {
            expect(entry, `field ${field}`).not.toHaveProperty(field);
          }
        }
      });

      it('list with a limit keeps the newest entries, still oldest first', async () => {
        const conversation = await newConversation();
        for (const text of ['1', '2', '3', '4', '5']) await store.transcript.append(said(conversation.id, text));
        expect((await store.transcript.list(conversation.id, { limit: 2 })).map((entry) => entry.text)).toEqual(['4', '5']);
        expect((await store.transcript.list(conversation.id, { limit: 1 })).map((entry) => entry.text)).toEqual(['5']);
        expect((await store.transcript.list(conversation.id, { limit: 10 })).map((entry) => entry.text)).toEqual(['1', '2', '3', '4', '5']);
        expect((await store.transcript.list(conversation.id, {})).map((entry) => entry.text)).toEqual(['1', '2', '3', '4', '5']);
      });

      it('list of a conversation without entries is empty', async () => {
        const conversation = await newConversation();
        expect(await store.transcript.list(conversation.id)).toEqual([]);
        expect(await store.transcript.list('no-such-conversation')).toEqual([]);
      });

      it('markDelivery records sent with the platform id, or failed, on that entry only', async () => {
        const conversation = await newConversation();
        const outbound = (text: string) => said(conversation.id, text, { direction: 'out', author: 'bot', delivery: 'pending' });
        const first = await store.transcript.append(outbound('first'));
        const second = await store.transcript.append(outbound('second'));
        const third = await store.transcript.append(outbound('third'));

        await store.transcript.markDelivery(first, 'sent', 'tg-501');
        await store.transcript.markDelivery({ conversationId: conversation.id, seq: second.seq }, 'failed');

        const [a, b, c] = await store.transcript.list(conversation.id);
        expect(a).toMatchObject({ text: 'first', delivery: 'sent', platformMessageId: 'tg-501' });
        expect(b).toMatchObject({ text: 'second', delivery: 'failed' });
        expect(b).not.toHaveProperty('platformMessageId');
        expect(c).toMatchObject({ text: 'third', delivery: 'pending' });
        expect(c).not.toHaveProperty('platformMessageId');
        expect(third.seq).toBe(c?.seq);
      });

      it('markDelivery addresses an entry by conversation and seq, not seq alone', async () => {
        const a = await newConversation('a');
        const b = await newConversation('b');
        const inA = await store.transcript.append(said(a.id, 'in a', { direction: 'out', author: 'bot', delivery: 'pending' }));
        await store.transcript.append(said(b.id, 'in b', { direction: 'out', author: 'bot', delivery: 'pending' }));
        await store.transcript.markDelivery(inA, 'sent', 'x-1');
        expect((await store.transcript.list(a.id))[0]).toMatchObject({ delivery: 'sent', platformMessageId: 'x-1' });
        expect((await store.transcript.list(b.id))[0]).toMatchObject({ delivery: 'pending' });
        expect((await store.transcript.list(b.id))[0]).not.toHaveProperty('platformMessageId');
      });
    });

    describe('players', () => {
      it('findOrCreateByAccount creates an unverified player on first contact', async () => {
        const at = tick();
        const player = await store.players.findOrCreateByAccount({ channel: 'telegram', userId: '1001' }, { displayName: 'Ana', at });
        expect(player).toMatchObject({ casinoPlayerId: null, displayName: 'Ana', language: null, verifiedAt: null });
        expect(typeof player.id).toBe('string');
        expect(player.createdAt.getTime()).toBe(at.getTime());
        expect(await store.players.get(player.id)).toEqual(player);
        expect(await store.players.accounts(player.id)).toEqual([{ channel: 'telegram', userId: '1001' }]);
      });

      it('findOrCreateByAccount without a display name stores null', async () => {
        const player = await store.players.findOrCreateByAccount({ channel: 'web', userId: 'v-1' }, { at: tick() });
        expect(player.displayName).toBeNull();
      });

      it('findOrCreateByAccount is idempotent and per (channel, userId)', async () => {
        const a = await store.players.findOrCreateByAccount({ channel: 'telegram', userId: '1' }, { displayName: 'First', at: tick() });
        const again = await store.players.findOrCreateByAccount({ channel: 'telegram', userId: '1' }, { displayName: 'Other', at: tick() });
        expect(again.id).toBe(a.id);
        expect(again.displayName).toBe('First');
        const otherChannel = await store.players.findOrCreateByAccount({ channel: 'viber', userId: '1' }, { at: tick() });
        const otherUser = await store.players.findOrCreateByAccount({ channel: 'telegram', userId: '2' }, { at: tick() });
        expect(new Set([a.id, otherChannel.id, otherUser.id]).size).toBe(3);
      });

      it('get returns undefined for an unknown player and accounts() is empty', async () => {
        expect(await store.players.get('no-such-player')).toBeUndefined();
        expect(await store.players.accounts('no-such-player')).toEqual([]);
      });

      it('linkAccount makes two channel accounts resolve to one player', async () => {
        const telegram: ChannelAccount = { channel: 'telegram', userId: '555' };
        const web: ChannelAccount = { channel: 'web', userId: 'visitor-1' };
        const player = await store.players.findOrCreateByAccount(telegram, { at: tick() });
        await store.players.linkAccount(player.id, web);
        expect((await store.players.findOrCreateByAccount(web, { at: tick() })).id).toBe(player.id);
        expect((await store.players.findOrCreateByAccount(telegram, { at: tick() })).id).toBe(player.id);
        const accounts = await store.players.accounts(player.id);
        expect(accounts).toHaveLength(2);
        expect(accounts).toEqual(expect.arrayContaining([telegram, web]));
      });

      it('linkAccount moves an account that already had its own player to the given one', async () => {
        const verified = await store.players.findOrCreateByAccount({ channel: 'telegram', userId: '1' }, { at: tick() });
        const web: ChannelAccount = { channel: 'web', userId: 'anon' };
        const anonymous = await store.players.findOrCreateByAccount(web, { at: tick() });
        expect(anonymous.id).not.toBe(verified.id);
        await store.players.linkAccount(verified.id, web);
        expect((await store.players.findOrCreateByAccount(web, { at: tick() })).id).toBe(verified.id);
        expect(await store.players.accounts(verified.id)).toEqual(expect.arrayContaining([web]));
        expect(await store.players.accounts(anonymous.id)).toEqual([]);
      });

      it('linking the same account twice is harmless', async () => {
        const player = await newPlayer('x');
        const web: ChannelAccount = { channel: 'web', userId: 'w' };
        await store.players.linkAccount(player.id, web);
        await store.players.linkAccount(player.id, web);
        expect(await store.players.accounts(player.id)).toHaveLength(2);
      });

      it('save round-trips casino id, display name, language and verifiedAt; findByCasinoId finds it', async () => {
        const player = await newPlayer();
        expect(await store.players.findByCasinoId('P-1001')).toBeUndefined();
        player.casinoPlayerId = 'P-1001';
        player.displayName = 'Ana María';
        player.language = 'es';
        player.verifiedAt = tick();
        await store.players.save(player);

        const loaded = await store.players.get(player.id);
        expect(loaded).toEqual(player);
        expect(loaded?.verifiedAt?.getTime()).toBe(player.verifiedAt.getTime());
        expect(await store.players.findByCasinoId('P-1001')).toEqual(player);
        expect(await store.players.findByCasinoId('P-1002')).toBeUndefined();
      });

      it('save can unverify a player again', async () => {
        const player = await newPlayer();
        player.casinoPlayerId = 'P-7';
        player.verifiedAt = tick();
        await store.players.save(player);
        player.casinoPlayerId = null;
        player.verifiedAt = null;
        player.displayName = null;
        await store.players.save(player);
        expect(await store.players.get(player.id)).toMatchObject({ casinoPlayerId: null, verifiedAt: null, displayName: null });
        expect(await store.players.findByCasinoId('P-7')).toBeUndefined();
      });
    });

    describe('events', () => {
      it('append then list returns every event in insertion order with increasing ids', async () => {
        const conversation = await newConversation();
        const times = [tick(), tick(), tick()];
        await store.events.append({
          type: 'message.received',
          at: times[0]!,
          conversationId: conversation.id,
          playerId: conversation.playerId,
        });
        await store.events.append({
          type: 'intent.detected',
          at: times[1]!,
          conversationId: conversation.id,
          data: { intent: 'deposit_issue', confidence: 0.92, alternatives: [{ intent: 'withdrawal_status', confidence: 0.05 }] },
        });
        await store.events.append({ type: 'turn.failed', at: times[2]! });

        const events = await store.events.list();
        expect(events.map((event) => event.type)).toEqual(['message.received', 'intent.detected', 'turn.failed']);
        expect(events.map((event) => event.at.getTime())).toEqual(times.map((at) => at.getTime()));
        for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
        expect(events[0]).toMatchObject({ conversationId: conversation.id, playerId: conversation.playerId });
        expect(events[1]?.data).toEqual({
          intent: 'deposit_issue',
          confidence: 0.92,
          alternatives: [{ intent: 'withdrawal_status', confidence: 0.05 }],
        });
        expect(events[2]).not.toHaveProperty('conversationId');
        expect(events[2]).not.toHaveProperty('playerId');
        expect(events[2]).not.toHaveProperty('data');
      });

      it('lists nothing when empty', async () => {
        expect(await store.events.list()).toEqual([]);
        expect(await store.events.list({ type: 'flow.started' })).toEqual([]);
      });

      it('filters by type, by conversation, by both, and limits in insertion order', async () => {
        await store.events.append({ type: 'message.received', at: tick(), conversationId: 'c-1', data: { n: 1 } });
        await store.events.append({ type: 'message.sent', at: tick(), conversationId: 'c-1', data: { n: 2 } });
        await store.events.append({ type: 'message.received', at: tick(), conversationId: 'c-2', data: { n: 3 } });
        await store.events.append({ type: 'message.received', at: tick(), conversationId: 'c-1', data: { n: 4 } });
        await store.events.append({ type: 'handoff.requested', at: tick(), data: { n: 5 } });
        const numbers = (events: { data?: Record<string, unknown> }[]) => events.map((event) => event.data?.['n']);

        expect(numbers(await store.events.list({ type: 'message.received' }))).toEqual([1, 3, 4]);
        expect(numbers(await store.events.list({ conversationId: 'c-1' }))).toEqual([1, 2, 4]);
        expect(numbers(await store.events.list({ conversationId: 'c-1', type: 'message.received' }))).toEqual([1, 4]);
        expect(numbers(await store.events.list({ conversationId: 'c-3' }))).toEqual([]);
        expect(numbers(await store.events.list({ limit: 2 }))).toEqual([1, 2]);
        expect(numbers(await store.events.list({ type: 'message.received', limit: 2 }))).toEqual([1, 3]);
        expect(numbers(await store.events.list({ limit: 50 }))).toEqual([1, 2, 3, 4, 5]);
      });
    });

    describe('lifecycle', () => {
      it('after close every operation rejects with CROUPIER_STORE_UNAVAILABLE', async () => {
        const conversation = await newConversation();
        const player = await store.players.get(conversation.playerId);
        await store.close();
        const at = clock.now();
        await expectUnavailable(() => store.ping());
        await expectUnavailable(() => store.receipts.claim('telegram', 'late', at));
        await expectUnavailable(() =>
          store.conversations.findOrCreate({ channel: 'web', conversationKey: 'k' }, { playerId: 'p', language: null, at }),
        );
        await expectUnavailable(() => store.conversations.get(conversation.id));
        await expectUnavailable(() => store.conversations.findByKey('telegram', 'chat-1'));
        await expectUnavailable(() => store.conversations.save(conversation));
        await expectUnavailable(() => store.transcript.append(said(conversation.id, 'late')));
        await expectUnavailable(() => store.transcript.list(conversation.id));
        await expectUnavailable(() => store.transcript.markDelivery({ conversationId: conversation.id, seq: 1 }, 'sent'));
        await expectUnavailable(() => store.players.findOrCreateByAccount({ channel: 'web', userId: 'late' }, { at }));
        await expectUnavailable(() => store.players.get(conversation.playerId));
        await expectUnavailable(() => store.players.linkAccount(conversation.playerId, { channel: 'web', userId: 'late' }));
        await expectUnavailable(() => store.players.findByCasinoId('P-1'));
        await expectUnavailable(() => store.players.accounts(conversation.playerId));
        await expectUnavailable(() => store.players.save(player!));
        await expectUnavailable(() => store.events.append({ type: 'message.received', at }));
        await expectUnavailable(() => store.events.list());
      });

      it('close is idempotent', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });

      it('data survives close and reopen', async (context) => {
        if (!reopen) {
          context.skip();
          return;
        }
        const conversation = await newConversation('durable');
        conversation.state = { stack: [{ flow: 'vip', step: 'intro' }] };
        conversation.status = 'agent';
        conversation.language = 'de';
        await store.conversations.save(conversation);
        const entry = await store.transcript.append(
          said(conversation.id, 'kept', { direction: 'out', author: 'bot', buttons: [{ label: 'Ok', payload: 'ok' }], raw: { a: [1] } }),
        );
        await store.transcript.markDelivery(entry, 'sent', 'pm-9');
        const player = (await store.players.get(conversation.playerId))!;
        player.casinoPlayerId = 'P-42';
        player.verifiedAt = tick();
        await store.players.save(player);
        await store.players.linkAccount(player.id, { channel: 'web', userId: 'w-42' });
        expect(await store.receipts.claim('telegram', 'r-1', tick())).toBe(true);
        await store.events.append({ type: 'flow.started', at: tick(), conversationId: conversation.id, data: { flow: 'vip' } });
        await store.durable();
        await store.close();

        const again = await reopen();
        opened.push(again);
        expect(await again.conversations.get(conversation.id)).toEqual(conversation);
        expect(await again.transcript.list(conversation.id)).toEqual([{ ...entry, delivery: 'sent', platformMessageId: 'pm-9' }]);
        expect(await again.players.findByCasinoId('P-42')).toEqual(player);
        expect((await again.players.findOrCreateByAccount({ channel: 'web', userId: 'w-42' }, { at: tick() })).id).toBe(player.id);
        expect(await again.receipts.claim('telegram', 'r-1', tick())).toBe(false);
        expect(await again.events.list({ conversationId: conversation.id })).toEqual([
          expect.objectContaining({ type: 'flow.started', data: { flow: 'vip' } }),
        ]);
        // the reopened store keeps counting where the old one stopped
        const next = await again.transcript.append(said(conversation.id, 'after reopen'));
        expect(next.seq).toBeGreaterThan(entry.seq);
      });

      it('writes awaited before close are kept even without durable()', async (context) => {
        if (!reopen) {
          context.skip();
          return;
        }
        expect(await store.receipts.claim('web', 'quick', tick())).toBe(true);
        await store.close();
        const again = await reopen();
        opened.push(again);
        expect(await again.receipts.claim('web', 'quick', tick())).toBe(false);
      });
    });
  });
}
