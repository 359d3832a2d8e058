import { createServer, type AddressInfo } from 'node:net';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { LanguageJob } from '../../src/nlu/nlu.js';
import { TrainingPool } from '../../src/nlu/training-pool.js';
import { buildContent, LiveContent } from '../../src/server/live-content.js';
import { copyOfShippedContent, startTestServer, tempDir } from '../support/server.js';

/** An intent edit: five made-up examples that make 'zzz jackpot tax form' a KYC question (it is not one before). */
function addKycExamples(root: string): void {
  const file = join(root, 'intents/en/account.yaml');
  const extra = ['zzz jackpot tax form', 'jackpot tax form zzz', 'tax form for my jackpot zzz', 'zzz tax form', 'jackpot zzz form']
    .map((t) => `      - ${t}`)
    .join('\n');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('      - how do i verify my account', `      - how do i verify my account\n${extra}`),
  );
}

describe('hot reload of content', () => {
  const paths = (rootDir: string) => ({ rootDir, intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' });

  it('swaps in a valid edit atomically and keeps the last good content after a broken one', async () => {
    const root = copyOfShippedContent();
    const first = buildContent(paths(root));
    expect(first.content).toBeDefined();
    const live = new LiveContent(first.content!, paths(root), pino({ level: 'silent' }));
    const before = live.current;

    // a content editor changes a text: picked up
    const english = join(root, 'flows/texts/en.yaml');
    writeFileSync(english, readFileSync(english, 'utf8').replace("thanks.text: You're welcome!", 'thanks.text: Any time!'));
    expect((await live.reload()).filter((i) => i.severity === 'error')).toEqual([]);
    expect(live.current).not.toBe(before);
    expect(live.current.catalogue.text('en', 'thanks.text')).toMatch(/^Any time!/);
    expect(live.reloads).toBe(1);

    // a broken edit (a field that does not apply): rejected with file:line, the previous content keeps serving
    const good = live.current;
    const flow = join(root, 'flows/thanks.yaml');
    writeFileSync(flow, `${readFileSync(flow, 'utf8')}    next: nowhere\n`);
    const issues = await live.reload();
    expect(issues.some((i) => i.severity === 'error' && i.file.endsWith('flows/thanks.yaml') && i.line > 1)).toBe(true);
    expect(live.current).toBe(good);
    expect(live.reloads).toBe(1);
  });

  it('retrains the NLU on intent edits', async () => {
    const root = copyOfShippedContent();
    const live = new LiveContent(buildContent(paths(root)).content!, paths(root), pino({ level: 'silent' }));
    expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).not.toBe('kyc_verification');
    addKycExamples(root);
    await live.reload();
    expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).toBe('kyc_verification');
  });

  it("a file that cannot be read is rejected like a broken edit, not thrown at the watcher; editors' hidden files are not content", async () => {
    const root = copyOfShippedContent();
    const live = new LiveContent(buildContent(paths(root)).content!, paths(root), pino({ level: 'silent' }));
    const before = live.current;
    // Emacs marks a modified buffer with a dangling symlink named like the file: hidden, so not read
    symlinkSync('someone@host.1234:1700000000', join(root, 'intents/en/.#account.yaml'));
    symlinkSync('someone@host.1234:1700000000', join(root, 'flows/.#goodbye.yaml'));
    expect((await live.reload()).filter((i) => i.severity === 'error')).toEqual([]);
    expect(live.reloads).toBe(1);
    // a content file deleted mid-save, or a link to nowhere: the last good content keeps serving
    const good = live.current;
    symlinkSync('nowhere.yaml', join(root, 'intents/en/payments-new.yaml'));
    const issues = await live.reload();
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', file: 'intents/en/payments-new.yaml' }));
    expect(live.current).toBe(good);
    expect(live.current).not.toBe(before);
    expect(live.reloads).toBe(1);
  });
});

describe('hot reload with training threads', () => {
  const paths = (rootDir: string) => ({ rootDir, intentsDir: 'intents', flowsDir: 'flows', defaultLanguage: 'en' });

  it('retrains in the pool, one reload at a time, an edit saved meanwhile picked up by the next', async () => {
    const root = copyOfShippedContent();
    const pool = new TrainingPool(2);
    const used: string[] = [];
    let started: () => void = () => undefined;
    const training = new Promise<void>((resolve) => (started = resolve));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const trainer = {
      temperature: async (job: LanguageJob) => {
        used.push(job.language);
        started();
        await gate;
        return pool.temperature(job);
      },
      model: (job: LanguageJob) => pool.model(job),
      detector: (corpus: Parameters<TrainingPool['detector']>[0]) => pool.detector(corpus),
    };
    try {
      const live = new LiveContent(buildContent(paths(root)).content!, paths(root), pino({ level: 'silent' }), trainer);
      addKycExamples(root);
      const first = live.reload();
      await training;
      // saved while the first reload trains: not in it, but in the reload asked for now
      const english = join(root, 'flows/texts/en.yaml');
      writeFileSync(english, readFileSync(english, 'utf8').replace("thanks.text: You're welcome!", 'thanks.text: Any time!'));
      const second = live.reload();
      release();
      await first;
      expect(live.reloads).toBe(1);
      expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).toBe('kyc_verification');
      expect(live.current.catalogue.text('en', 'thanks.text')).not.toMatch(/^Any time!/);
      await second;
      expect(live.reloads).toBe(2);
      expect(live.current.catalogue.text('en', 'thanks.text')).toMatch(/^Any time!/);
      expect(used).toEqual(['en']); // only the edited language, once: the second reload keeps its model
    } finally {
      await pool.close();
    }
  });

  it('trains on the main thread when the threads fail, and says so', async () => {
    const root = copyOfShippedContent();
    const failing = new Error('worker ran out of memory');
    const trainer = {
      temperature: () => Promise.reject(failing),
      model: () => Promise.reject(failing),
      detector: () => Promise.reject(failing),
    };
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const live = new LiveContent(buildContent(paths(root)).content!, paths(root), log, trainer);
    addKycExamples(root);
    expect((await live.reload()).filter((i) => i.severity === 'error')).toEqual([]);
    expect(live.reloads).toBe(1);
    expect(live.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).toBe('kyc_verification');
    expect(lines.map((line) => JSON.parse(line) as { code?: string })).toContainEqual(
      expect.objectContaining({ code: 'CROUPIER_NLU_TRAINING_FAILED' }),
    );
  });

  it('a reload still training when the content is closed is not swapped in', async () => {
    const root = copyOfShippedContent();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pool = new TrainingPool(1);
    const trainer = {
      temperature: async (job: LanguageJob) => (await gate, pool.temperature(job)),
      model: (job: LanguageJob) => pool.model(job),
      detector: (corpus: Parameters<TrainingPool['detector']>[0]) => pool.detector(corpus),
    };
    try {
      const live = new LiveContent(buildContent(paths(root)).content!, paths(root), pino({ level: 'silent' }), trainer);
      const before = live.current;
      addKycExamples(root);
      const reloading = live.reload();
      live.close();
      release();
      await reloading;
      expect(live.current).toBe(before);
      expect(live.reloads).toBe(0);
    } finally {
      await pool.close();
    }
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

describe('the running product', () => {
  it('reloads an intent edit while running, with its training threads on', async () => {
    const root = copyOfShippedContent('croupier-runtime-watch-');
    const app = await startTestServer({ contentRoot: root, watchContent: true, yaml: 'content:\n  trainingThreads: 1\n' });
    try {
      addKycExamples(root);
      const deadline = Date.now() + 30_000;
      while (app.content.reloads === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(app.content.current.nlu.parse('zzz jackpot tax form', { remembered: 'en' }).intent).toBe('kyc_verification');
    } finally {
      await app.close();
    }
  });
});

describe('a start that fails', () => {
  const watchers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'FSEventWrap').length;

  it('leaves no content watcher behind, whether the port is taken or the data directory cannot be made', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const before = watchers();
    try {
      await expect(startTestServer({ contentRoot: copyOfShippedContent(), watchContent: true, port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
      expect(watchers()).toBe(before);
      // a data directory under a file: the store cannot open
      const file = join(tempDir(), 'not-a-directory');
      writeFileSync(file, '');
      await expect(
        startTestServer({ contentRoot: copyOfShippedContent(), watchContent: true, dataDir: join(file, 'data') }),
      ).rejects.toThrow();
      expect(watchers()).toBe(before);
    } finally {
      blocker.close();
    }
  });
});
