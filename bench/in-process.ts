/**
 * The pipeline's own cost, without HTTP: `Pipeline.handle` called directly with 50 turns in flight
 * over 500 conversations, on the embedded store, with the shipped texts and the current bot.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { randomId, systemClock } from '../src/core/clock.js';
import { Pipeline } from '../src/core/pipeline.js';
import { loadCatalogue } from '../src/dialogue/catalogue.js';
import { TemporaryBot } from '../src/dialogue/temporary-bot.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

export async function measureInProcess(turns = 30_000, inFlight = 50): Promise<{ turnsPerSecond: number; cpuMicrosPerTurn: number }> {
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'croupier-bench-')), 'croupier.db') });
  const { catalogue } = loadCatalogue('flows/texts', 'en');
  const bot = new TemporaryBot(() => catalogue);
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
        await pipeline.handle({
          platformMessageId: `m${n}`,
          channel: 'web',
          conversationKey: key,
          sender: { channel: 'web', userId: key },
          text: 'where is my withdrawal',
          attachments: [],
          receivedAt: new Date(),
          raw: { type: 'message', text: 'where is my withdrawal' },
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
