/**
 * The pipeline's own cost, without HTTP: `Pipeline.handle` called directly with 50 turns in flight
 * over 500 conversations, on the embedded store, with the shipped content, NLU and flow engine.
 * `texts` are sent in turn (by default one message, the figure recorded since the first run).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { randomId, systemClock } from '../src/core/clock.js';
import { Pipeline } from '../src/core/pipeline.js';
import { backOfficePort } from '../src/crm/actions.js';
import { DemoBackOffice } from '../src/crm/demo-back-office.js';
import { FlowBot } from '../src/dialogue/flow-bot.js';
import { buildContent } from '../src/server/live-content.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

export async function measureInProcess(
  turns = 30_000,
  inFlight = 50,
  texts: readonly string[] = ['where is my withdrawal'],
): Promise<{ turnsPerSecond: number; cpuMicrosPerTurn: number }> {
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'croupier-bench-')), 'croupier.db') });
  const { content } = buildContent({ rootDir: process.cwd(), intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' });
  if (!content) throw new Error('the shipped content does not load; run croupier validate');
  const catalogue = content.catalogue;
  const bot = new FlowBot({
    content: () => content,
    backOffice: backOfficePort(new DemoBackOffice(systemClock)),
    players: store.players,
    events: store.events,
    clock: systemClock,
  });
  const pipeline = new Pipeline({
    store,
    log: pino({ level: 'warn' }),
    clock: systemClock,
    ids: randomId,
    deliver: async () => undefined,
    bot: () => bot,
    texts: (language, key) => catalogue.text(language, `system.${key}`),
    languages: { supported: () => catalogue.languages, fallback: 'en' },
    rateLimit: { burst: 1e9, perMinute: 1e9 },
  });
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < turns) {
        const n = next++;
        const key = `c${n % 500}`;
        const text = texts[n % texts.length] ?? 'hello';
        await pipeline.handle({
          platformMessageId: `m${n}`,
          channel: 'web',
          conversationKey: key,
          sender: { channel: 'web', userId: key },
          text,
          attachments: [],
          receivedAt: new Date(),
          raw: { type: 'message', text },
        });
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await pipeline.drain();
  await store.close();
  return { turnsPerSecond: (turns / elapsed) * 1000, cpuMicrosPerTurn: (used.user + used.system) / turns };
}
