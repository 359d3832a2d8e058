import { Writable } from 'node:stream';
import pino from 'pino';
import { ManualClock, sequentialIds } from '../../src/core/clock.js';
import type { Inbound, Outbound } from '../../src/core/message.js';
import { Pipeline } from '../../src/core/pipeline.js';
import type { ChannelCapabilities } from '../../src/core/render.js';
import type { Bot } from '../../src/core/stages/bot.js';
import type { DeliveryTarget } from '../../src/core/stages/deliver.js';
import type { SystemTextKey } from '../../src/core/stages/system-texts.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

/** Captures log lines as parsed JSON objects. */
export function captureLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export const TEXTS: Record<string, Record<SystemTextKey, string>> = {
  en: { apology: 'Sorry, something went wrong.', rate_limited: 'Slow down please.', unsupported_message: 'Text only.' },
  es: { apology: 'Perdona, algo ha fallado.', rate_limited: 'Más despacio, por favor.', unsupported_message: 'Solo texto.' },
};

export interface Harness {
  pipeline: Pipeline;
  store: Store;
  clock: ManualClock;
  delivered: { target: DeliveryTarget; outbound: Outbound }[];
  lines: Record<string, unknown>[];
  setBot(bot: Bot): void;
  failDelivery(fail: boolean): void;
}

/** A full pipeline over an in-memory store, with a capturing channel and a hand-moved clock. */
export function createHarness(
  options: {
    bot?: Bot;
    burst?: number;
    perMinute?: number;
    store?: Store;
    capabilities?: (channel: string) => ChannelCapabilities | undefined;
  } = {},
): Harness {
  const store = options.store ?? openSqliteStore({ file: ':memory:', ids: sequentialIds('row') });
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const delivered: Harness['delivered'] = [];
  const { log, lines } = captureLog();
  let bot: Bot = options.bot ?? echoBot;
  let failing = false;
  const pipeline = new Pipeline({
    store,
    log,
    clock,
    ids: sequentialIds('turn'),
    deliver: async (target, outbound) => {
      if (failing) throw new Error('platform down');
      delivered.push({ target, outbound });
      return { platformMessageId: `p-${delivered.length}` };
    },
    bot: () => bot,
    texts: (language, key) => (TEXTS[language] ?? TEXTS['en'])![key],
    languages: { supported: () => ['en', 'es'], fallback: 'en' },
    rateLimit: { burst: options.burst ?? 100, perMinute: options.perMinute ?? 600 },
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
  });
  return {
    pipeline,
    store,
    clock,
    delivered,
    lines,
    setBot: (next) => (bot = next),
    failDelivery: (fail) => (failing = fail),
  };
}

/** Replies "echo: <text>" in the turn's language. */
export const echoBot: Bot = {
  async respond(turn) {
    turn.replies.push({ kind: 'text', text: `echo: ${turn.inbound.text ?? turn.inbound.payload ?? ''}`, author: 'bot' });
  },
};

let counter = 0;
export function inbound(overrides: Partial<Inbound> & { text?: string } = {}): Inbound {
  counter += 1;
  return {
    platformMessageId: `m-${counter}`,
    channel: 'test',
    conversationKey: 'chat-1',
    sender: { channel: 'test', userId: 'user-1' },
    attachments: [],
    receivedAt: new Date('2026-03-01T12:00:00Z'),
    ...overrides,
  };
}

export function texts(h: Harness): string[] {
  return h.delivered.flatMap(({ outbound }) => (outbound.kind === 'text' ? [outbound.text] : []));
}
