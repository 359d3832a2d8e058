import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ManualClock, sequentialIds } from '../../../src/core/clock.js';
import { KeyedQueue } from '../../../src/core/keyed-queue.js';
import { RateLimiter } from '../../../src/core/rate-limiter.js';
import { conversationStage } from '../../../src/core/stages/conversation.js';
import { dedupeStage } from '../../../src/core/stages/dedupe.js';
import { deliverStage } from '../../../src/core/stages/deliver.js';
import { orderingStage } from '../../../src/core/stages/ordering.js';
import { rateLimitStage } from '../../../src/core/stages/rate-limit.js';
import type { Turn } from '../../../src/core/turn.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { inbound } from '../../support/pipeline-harness.js';

const silent = pino({ level: 'silent' });
function turnFor(overrides: Parameters<typeof inbound>[0] = {}): Turn {
  return {
    id: 't',
    inbound: inbound(overrides),
    claimed: false,
    log: silent,
    bindLog: () => undefined,
    language: 'en',
    replies: [],
    stored: [],
    duplicate: false,
    rateLimited: false,
  };
}
const store = () => openSqliteStore({ file: ':memory:', ids: sequentialIds('row') });

describe('dedupe stage', () => {
  it('passes a message once and marks its redelivery as duplicate without calling next', async () => {
    const s = store();
    const stage = dedupeStage(s.receipts);
    let calls = 0;
    const first = turnFor({ platformMessageId: 'same' });
    await stage.run(first, async () => void calls++);
    const again = turnFor({ platformMessageId: 'same' });
    await stage.run(again, async () => void calls++);
    expect(calls).toBe(1);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
  });

  it('treats equal ids on different channels as different messages', async () => {
    const s = store();
    const stage = dedupeStage(s.receipts);
    let calls = 0;
    await stage.run(turnFor({ platformMessageId: '1', channel: 'a' }), async () => void calls++);
    await stage.run(turnFor({ platformMessageId: '1', channel: 'b' }), async () => void calls++);
    expect(calls).toBe(2);
  });
});

describe('ordering stage', () => {
  it('serialises turns of one conversation and not of different ones', async () => {
    const stage = orderingStage(new KeyedQueue());
    const log: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const a = stage.run(turnFor({ conversationKey: 'c1' }), async () => {
      await blocked;
      log.push('c1-first');
    });
    const b = stage.run(turnFor({ conversationKey: 'c1' }), async () => void log.push('c1-second'));
    await stage.run(turnFor({ conversationKey: 'c2' }), async () => void log.push('c2'));
    expect(log).toEqual(['c2']);
    release();
    await Promise.all([a, b]);
    expect(log).toEqual(['c2', 'c1-first', 'c1-second']);
  });
});

describe('conversation stage', () => {
  it('creates player and conversation, stores the inbound before and the replies after the bot', async () => {
    const s = store();
    const stage = conversationStage(s, new ManualClock(), { supported: () => ['en', 'es'], fallback: 'en' });
    const turn = turnFor({ text: 'hola', sender: { channel: 'test', userId: 'u', localeHint: 'es-AR' } });
    let seenDuringBot: number | undefined;
    await stage.run(turn, async () => {
      seenDuringBot = (await s.transcript.list(turn.conversation!.id)).length;
      turn.replies.push(
        { kind: 'typing', on: true },
        { kind: 'text', text: 'respuesta', author: 'bot', buttons: [{ label: 'Sí', payload: 'yes' }] },
      );
    });
    expect(turn.language).toBe('es');
    expect(seenDuringBot).toBe(1);
    const transcript = await s.transcript.list(turn.conversation!.id);
    expect(transcript.map((e) => [e.direction, e.author, e.text])).toEqual([
      ['in', 'player', 'hola'],
      ['out', 'bot', 'respuesta'],
    ]);
    expect(transcript[1]?.buttons).toEqual([{ label: 'Sí', payload: 'yes' }]);
    expect(turn.stored).toHaveLength(1);
    const saved = await s.conversations.get(turn.conversation!.id);
    expect(saved?.language).toBe('es');
    expect((await s.events.list({ type: 'message.received' })).length).toBe(1);
  });

  it('falls back to the default language for an unsupported locale and remembers the conversation language', async () => {
    const s = store();
    const stage = conversationStage(s, new ManualClock(), { supported: () => ['en', 'es'], fallback: 'en' });
    const first = turnFor({ sender: { channel: 'test', userId: 'u', localeHint: 'fr-FR' } });
    await stage.run(first, async () => {
      first.language = 'es'; // the bot decided
    });
    expect((await s.conversations.get(first.conversation!.id))?.language).toBe('es');
    const second = turnFor({ sender: { channel: 'test', userId: 'u', localeHint: 'fr-FR' } });
    await stage.run(second, async () => undefined);
    expect(second.language).toBe('es');
  });
});

describe('rate-limit stage', () => {
  it('answers one notice for a flood and skips the bot, recording an event', async () => {
    const s = store();
    const stage = rateLimitStage(new RateLimiter({ burst: 2, perMinute: 1 }, new ManualClock()), (lang, key) => `${lang}:${key}`, s.events);
    let botRuns = 0;
    const turns = Array.from({ length: 5 }, () => turnFor());
    for (const turn of turns) await stage.run(turn, async () => void botRuns++);
    expect(botRuns).toBe(2);
    expect(turns.map((t) => t.rateLimited)).toEqual([false, false, true, true, true]);
    expect(turns.flatMap((t) => t.replies).map((r) => (r.kind === 'text' ? r.text : r.kind))).toEqual(['en:rate_limited']);
    expect(await s.events.list({ type: 'message.rate_limited' })).toHaveLength(3);
  });
});

describe('deliver stage', () => {
  it('sends the stored replies in order and records delivery per entry', async () => {
    const s = store();
    const conversation = await s.conversations.findOrCreate(
      { channel: 'test', conversationKey: 'k' },
      {
        playerId: (await s.players.findOrCreateByAccount({ channel: 'test', userId: 'u' }, { at: new Date() })).id,
        language: 'en',
        at: new Date(),
      },
    );
    const sent: string[] = [];
    const stage = deliverStage(async (_target, outbound) => {
      if (outbound.kind === 'text' && outbound.text === 'bad') throw new Error('platform said no');
      sent.push(outbound.kind === 'text' ? outbound.text : outbound.kind);
      return { platformMessageId: `p${sent.length}` };
    }, s.transcript);
    const turn = turnFor();
    turn.conversation = conversation;
    await stage.run(turn, async () => {
      turn.replies.push(
        { kind: 'typing', on: true },
        { kind: 'text', text: 'one', author: 'bot' },
        { kind: 'text', text: 'bad', author: 'bot' },
      );
      for (const text of ['one', 'bad']) {
        turn.stored.push(
          await s.transcript.append({
            conversationId: conversation.id,
            direction: 'out',
            author: 'bot',
            text,
            at: new Date(),
            delivery: 'pending',
          }),
        );
      }
    });
    expect(sent).toEqual(['typing', 'one']);
    const entries = await s.transcript.list(conversation.id);
    expect(entries.map((e) => [e.text, e.delivery, e.platformMessageId])).toEqual([
      ['one', 'sent', 'p2'],
      ['bad', 'failed', undefined],
    ]);
  });
});
