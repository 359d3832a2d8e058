import { describe, expect, it } from 'vitest';
import { CroupierError } from '../../src/core/errors.js';
import type { Bot } from '../../src/core/stages/bot.js';
import { createHarness, inbound, texts } from '../support/pipeline-harness.js';

describe('Pipeline', () => {
  it('answers a message end to end and keeps the whole transcript', async () => {
    const h = createHarness();
    const result = await h.pipeline.handle(inbound({ text: 'hello' }));
    expect(result.failed).toBe(false);
    expect(result.replies.map((r) => r.text)).toEqual(['echo: hello']);
    expect(texts(h)).toEqual(['echo: hello']);
    const transcript = await h.store.transcript.list(result.conversationId!);
    expect(transcript.map((e) => `${e.direction}:${e.text}:${e.delivery ?? ''}`)).toEqual(['in:hello:', 'out:echo: hello:sent']);
  });

  it('ignores a redelivered platform message', async () => {
    const h = createHarness();
    const message = inbound({ text: 'once' });
    await h.pipeline.handle(message);
    const again = await h.pipeline.handle(message);
    expect(again.duplicate).toBe(true);
    expect(texts(h)).toEqual(['echo: once']);
  });

  it('keeps per-conversation order while another conversation runs', async () => {
    const h = createHarness();
    let release!: () => void;
    const slowFirst = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    h.setBot({
      async respond(turn) {
        if (turn.inbound.text === 'first') await slowFirst;
        order.push(`${turn.inbound.conversationKey}:${turn.inbound.text}`);
        turn.replies.push({ kind: 'text', text: turn.inbound.text ?? '', author: 'bot' });
      },
    });
    const a1 = h.pipeline.handle(inbound({ text: 'first', conversationKey: 'A' }));
    const a2 = h.pipeline.handle(inbound({ text: 'second', conversationKey: 'A' }));
    await h.pipeline.handle(inbound({ text: 'other', conversationKey: 'B', sender: { channel: 'test', userId: 'u2' } }));
    expect(order).toEqual(['B:other']);
    release();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['B:other', 'A:first', 'A:second']);
    expect(texts(h)).toEqual(['other', 'first', 'second']);
  });

  it('answers a flood with one polite notice, and stores every message', async () => {
    const h = createHarness({ burst: 3, perMinute: 1 });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await h.pipeline.handle(inbound({ text: `spam ${i}` })));
    expect(texts(h)).toEqual(['echo: spam 0', 'echo: spam 1', 'echo: spam 2', 'Slow down please.']);
    expect(results.filter((r) => r.rateLimited)).toHaveLength(5);
    const transcript = await h.store.transcript.list(results[0]!.conversationId!);
    expect(transcript.filter((e) => e.direction === 'in')).toHaveLength(8);
  });

  it('turns a failing bot into an apology in the player language, logs the code and keeps serving others', async () => {
    const h = createHarness();
    const failing: Bot = {
      async respond(turn) {
        if (turn.inbound.text === 'explode') throw new CroupierError('CROUPIER_BOT_FAILED', 'flow crashed');
        turn.replies.push({ kind: 'text', text: 'fine', author: 'bot' });
      },
    };
    h.setBot(failing);
    const bad = await h.pipeline.handle(
      inbound({ text: 'explode', sender: { channel: 'test', userId: 'es-player', localeHint: 'es-ES' }, conversationKey: 'es' }),
    );
    expect(bad.failed).toBe(true);
    expect(texts(h)).toEqual(['Perdona, algo ha fallado.']);
    const error = h.lines.find((line) => line['msg'] === 'turn failed');
    expect(error).toMatchObject({ level: 50, code: 'CROUPIER_BOT_FAILED', stage: 'bot', channel: 'test' });
    const transcript = await h.store.transcript.list(bad.conversationId!);
    expect(transcript.map((e) => e.author)).toEqual(['player', 'system']);
    expect((await h.store.events.list({ type: 'turn.failed' }))[0]?.data).toMatchObject({ stage: 'bot', code: 'CROUPIER_BOT_FAILED' });

    const good = await h.pipeline.handle(inbound({ text: 'hi', conversationKey: 'other', sender: { channel: 'test', userId: 'u9' } }));
    expect(good.failed).toBe(false);
    expect(texts(h)).toEqual(['Perdona, algo ha fallado.', 'fine']);
  });

  it('apologises even when the store itself fails', async () => {
    const h = createHarness();
    await h.store.close();
    const result = await h.pipeline.handle(inbound({ text: 'anyone?' }));
    expect(result.failed).toBe(true);
    expect(texts(h)).toEqual(['Sorry, something went wrong.']);
    expect(h.lines.find((line) => line['msg'] === 'turn failed')).toMatchObject({ code: 'CROUPIER_STORE_UNAVAILABLE', stage: 'dedupe' });
  });

  it('records a failed delivery without failing the turn', async () => {
    const h = createHarness();
    h.failDelivery(true);
    const result = await h.pipeline.handle(inbound({ text: 'hello' }));
    expect(result.failed).toBe(false);
    const transcript = await h.store.transcript.list(result.conversationId!);
    expect(transcript[1]?.delivery).toBe('failed');
    const failed = await h.store.events.list({ conversationId: result.conversationId!, type: 'message.failed' });
    expect(failed.map((event) => event.data)).toEqual([{ seq: transcript[1]?.seq, channel: 'test', code: 'CROUPIER_PLATFORM_API' }]);
  });

  it('drain waits for in-flight turns and then refuses new ones', async () => {
    const h = createHarness();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.setBot({
      async respond(turn) {
        await gate;
        turn.replies.push({ kind: 'text', text: 'late', author: 'bot' });
      },
    });
    const inFlight = h.pipeline.handle(inbound({ text: 'slow' }));
    const drained = h.pipeline.drain();
    release();
    await drained;
    expect((await inFlight).replies.map((r) => r.text)).toEqual(['late']);
    await expect(h.pipeline.handle(inbound({ text: 'too late' }))).rejects.toMatchObject({ code: 'CROUPIER_PIPELINE_CLOSED' });
  });
});
