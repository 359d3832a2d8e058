import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildContent, LiveContent } from '../../src/server/live-content.js';
import { copyOfShippedContent } from '../support/server.js';

describe('hot reload of content', () => {
  const paths = (rootDir: string) => ({ rootDir, intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' });

  it('swaps in a valid edit atomically and keeps the last good content after a broken one', () => {
    const root = copyOfShippedContent();
    const first = buildContent(paths(root));
    expect(first.content).toBeDefined();
    const live = new LiveContent(first.content!, paths(root), pino({ level: 'silent' }));
    const before = live.current;

    // a content editor changes a text: picked up
    const english = join(root, 'flows/texts/en.yaml');
    writeFileSync(english, readFileSync(english, 'utf8').replace("thanks.text: You're welcome!", 'thanks.text: Any time!'));
    expect(live.reload().filter((i) => i.severity === 'error')).toEqual([]);
    expect(live.current).not.toBe(before);
    expect(live.current.catalogue.text('en', 'thanks.text')).toMatch(/^Any time!/);
    expect(live.reloads).toBe(1);

    // a broken edit (a field that does not apply): rejected with file:line, the previous content keeps serving
    const good = live.current;
    const flow = join(root, 'flows/thanks.yaml');
    writeFileSync(flow, `${readFileSync(flow, 'utf8')}    next: nowhere\n`);
    const issues = live.reload();
    expect(issues.some((i) => i.severity === 'error' && i.file.endsWith('flows/thanks.yaml') && i.line > 1)).toBe(true);
    expect(live.current).toBe(good);
    expect(live.reloads).toBe(1);
  });

  it('retrains the NLU on intent edits', () => {
    const root = copyOfShippedContent();
    const live = new LiveContent(buildContent(paths(root)).content!, paths(root), pino({ level: 'silent' }));
    expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).not.toBe('kyc_verification');
    const file = join(root, 'intents/en/account.yaml');
    const extra = ['zzz jackpot tax form', 'jackpot tax form zzz', 'tax form for my jackpot zzz', 'zzz tax form', 'jackpot zzz form']
      .map((t) => `      - ${t}`)
      .join('\n');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('      - how do i verify my account', `      - how do i verify my account\n${extra}`),
    );
    live.reload();
    expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).toBe('kyc_verification');
  });
});

describe('content watcher', () => {
  it('reloads by itself when a file under flows/ changes', async () => {
    const root = copyOfShippedContent('croupier-watch-');
    const paths = { rootDir: root, intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' };
    const live = new LiveContent(buildContent(paths).content!, paths, pino({ level: 'silent' }));
    live.watch(50);
    try {
      const english = join(root, 'flows/texts/en.yaml');
      writeFileSync(english, readFileSync(english, 'utf8').replace("thanks.text: You're welcome!", 'thanks.text: Watched!'));
      const deadline = Date.now() + 10_000;
      while (live.reloads === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(live.current.catalogue.text('en', 'thanks.text')).toMatch(/^Watched!/);
    } finally {
      live.close();
    }
  });
});
