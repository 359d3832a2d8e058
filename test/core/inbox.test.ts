import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/clock.js';
import type { ChannelCapabilities } from '../../src/core/render.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { createHarness, inbound, texts } from '../support/pipeline-harness.js';
import type { Bot } from '../../src/core/stages/bot.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Pipeline.accept (webhook acknowledgement) and recover (replay after a crash)', () => {
  it('resolves once the message is durably claimed, runs the turn in the background, and drops redeliveries', async () => {
    const h = createHarness();
    const message = inbound({ text: 'hello' });
    const accepted = await h.pipeline.accept(message);
    expect(accepted.duplicate).toBe(false);
    const result = await accepted.turn;
    expect(result?.replies.map((entry) => entry.text)).toEqual(['echo: hello']);
    expect(await h.store.receipts.unsettled()).toEqual([]);

    const again = await h.pipeline.accept(message);
    expect(again.duplicate).toBe(true);
    expect(await again.turn).toBeUndefined();
    expect(texts(h)).toEqual(['echo: hello']);
  });

  it('replays an acknowledged message whose turn never finished, exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'croupier-inbox-'));
    dirs.push(dir);
    const file = join(dir, 'croupier.db');
    // The first process acknowledged the webhook (claimed with the inbox copy) and crashed before the bot ran.
    const first = openSqliteStore({ file, ids: sequentialIds('a') });
    const lost = inbound({ text: 'where is my money', receivedAt: new Date('2026-03-01T11:59:00Z') });
    expect(await first.receipts.claim(lost.channel, lost.platformMessageId, lost.receivedAt, lost)).toBe(true);
    await first.durable();
    await first.close();

    const h = createHarness({ store: openSqliteStore({ file, ids: sequentialIds('b') }) });
    const pending = await h.store.receipts.unsettled();
    expect(pending).toHaveLength(1);
    expect(pending[0]?.receivedAt).toEqual(lost.receivedAt);
    expect(await h.pipeline.recover()).toBe(1);
    expect(texts(h)).toEqual(['echo: where is my money']);
    expect(await h.pipeline.recover()).toBe(0);
    // the platform redelivers it too: still answered once
    expect((await h.pipeline.accept(lost)).duplicate).toBe(true);
    expect(texts(h)).toEqual(['echo: where is my money']);
    await h.store.close();
  });

  it('queues replayed messages ahead of anything that arrives while the channels are still starting', async () => {
    const h = createHarness();
    // Left in the inbox by a crash: acknowledged to the platform, never answered.
    const lost = inbound({ platformMessageId: 'm-lost', text: 'first, before the crash' });
    expect(await h.store.receipts.claim(lost.channel, lost.platformMessageId, lost.receivedAt, lost)).toBe(true);
    await h.store.durable();

    let channelsStarted!: () => void;
    const started = new Promise<void>((resolve) => (channelsStarted = resolve));
    const replay = await h.pipeline.replay(started);
    expect(replay.count).toBe(1);

    // The server is up: the player's next message and an agent's line come in before the channels are ready.
    const newer = await h.pipeline.accept(inbound({ platformMessageId: 'm-new', text: 'second, after the restart' }));
    const agentLine = h.pipeline.exclusive(lost.channel, lost.conversationKey, async () => {
      h.delivered.push({
        target: { channel: lost.channel, conversationKey: lost.conversationKey, conversationId: '' },
        outbound: { kind: 'text', text: 'agent', author: 'agent' },
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(texts(h)).toEqual([]); // nothing may be sent before the channels can send

    channelsStarted();
    await Promise.all([replay.finished, newer.turn, agentLine]);
    expect(texts(h)).toEqual(['echo: first, before the crash', 'echo: second, after the restart', 'agent']);
    expect(await h.store.receipts.unsettled()).toEqual([]);
  });

  it('settles a failed turn too (the player got the apology; nothing to replay)', async () => {
    const failing: Bot = {
      respond() {
        throw new Error('bot crashed');
      },
    };
    const h = createHarness({ bot: failing });
    const accepted = await h.pipeline.accept(inbound({ text: 'hi' }));
    expect((await accepted.turn)?.failed).toBe(true);
    expect(texts(h)).toEqual(['Sorry, something went wrong.']);
    expect(await h.store.receipts.unsettled()).toEqual([]);
  });
});

describe('numbered replies', () => {
  const noButtons: ChannelCapabilities = { buttons: null, textMax: 4096, formatting: 'plain' };
  const menuBot: Bot = {
    async respond(turn) {
      turn.replies.push({
        kind: 'text',
        text: turn.inbound.payload ? `chose ${turn.inbound.payload}` : `text ${turn.inbound.text ?? ''}`,
        buttons: [
          { label: 'Deposits', payload: 'flow:deposit_issue' },
          { label: 'Withdrawals', payload: 'flow:withdrawal_status' },
        ],
        author: 'bot',
      });
    },
  };

  it('maps a typed number to the option shown as numbered text', async () => {
    const h = createHarness({ bot: menuBot, capabilities: () => noButtons });
    await h.pipeline.handle(inbound({ text: 'menu' }));
    await h.pipeline.handle(inbound({ text: ' 2. ' }));
    await h.pipeline.handle(inbound({ text: '3' })); // out of range: plain text
    expect(texts(h)).toEqual(['text menu', 'chose flow:withdrawal_status', 'text 3']);
  });

  it('leaves numbers alone on channels that show real buttons', async () => {
    const h = createHarness({
      bot: menuBot,
      capabilities: () => ({ buttons: { max: 3, labelMax: 20 }, textMax: 4096, formatting: 'plain' }),
    });
    await h.pipeline.handle(inbound({ text: 'menu' }));
    await h.pipeline.handle(inbound({ text: '1' }));
    expect(texts(h)).toEqual(['text menu', 'text 1']);
  });
});
