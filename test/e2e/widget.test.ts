import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { startTestServer, tempDir } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`widget e2e tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

describe.skipIf(!available)('web widget in real Chromium', () => {
  let browser: Browser;
  const servers: CroupierHandle[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function open(url: string, locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.click('[data-croupier="launcher"]');
    await page.waitForSelector('[data-croupier="status"][data-state="online"]');
    return page;
  }

  const messages = (page: Page, author?: string) =>
    page.$$eval(`[data-croupier="message"]${author ? `[data-author="${author}"]` : ''} [data-croupier="text"]`, (nodes) =>
      nodes.map((n) => n.textContent ?? ''),
    );

  async function waitForMessages(page: Page, author: string, count: number): Promise<void> {
    await page.waitForFunction(([a, c]) => document.querySelectorAll(`[data-croupier="message"][data-author="${a}"]`).length >= c, [
      author,
      count,
    ] as const);
  }

  async function type(page: Page, text: string): Promise<void> {
    await page.fill('[data-croupier="input"]', text);
    await page.press('[data-croupier="input"]', 'Enter');
  }

  it('types, gets a reply with quick replies, clicks one, and finds the history after a reload', async () => {
    const app = await startTestServer();
    servers.push(app);
    const page = await open(app.url);
    await type(page, 'hello');
    await waitForMessages(page, 'bot', 1);
    expect(await messages(page, 'player')).toEqual(['hello']);
    const buttons = await page.$$('[data-croupier="quick-reply"]');
    expect(buttons.length).toBeGreaterThan(0);
    const label = (await buttons[0]!.textContent()) ?? '';
    await buttons[0]!.click();
    await waitForMessages(page, 'bot', 2);
    expect(await messages(page, 'player')).toEqual(['hello', label]);
    expect(await page.$$('[data-croupier="message"][data-status="pending"]')).toHaveLength(0);
    const before = await messages(page);
    await page.screenshot({ path: `${tempDir('croupier-shot-')}/widget.png` });

    await page.reload();
    await page.click('[data-croupier="launcher"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-croupier="message"]').length >= n, before.length);
    expect(await messages(page)).toEqual(before);
    await page.context().close();
  });

  it('keeps a message typed while the server is down and sends it after reconnecting', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const port = Number(new URL(first.url).port);
    const page = await open(first.url);
    await type(page, 'hello');
    await waitForMessages(page, 'bot', 1);

    await first.close();
    await page.waitForSelector('[data-croupier="status"]:not([data-state="online"])');
    await type(page, 'are you there?');
    await page.waitForSelector('[data-croupier="message"][data-author="player"][data-status="pending"]');

    const second = await startTestServer({ dataDir, port });
    servers.push(second);
    await page.waitForSelector('[data-croupier="status"][data-state="online"]', { timeout: 20_000 });
    await waitForMessages(page, 'bot', 2);
    await page.waitForFunction(() => document.querySelectorAll('[data-croupier="message"][data-status="pending"]').length === 0);
    expect(await messages(page, 'player')).toEqual(['hello', 'are you there?']);
    // the server has both messages: the transcript survived the restart
    const conversationId = await page.evaluate(() => localStorage.getItem('croupier.conversationId'));
    const conversation = await second.store.conversations.findByKey('web', conversationId ?? '');
    const transcript = await second.store.transcript.list(conversation!.id);
    expect(transcript.filter((e) => e.direction === 'in').map((e) => e.text)).toEqual(['hello', 'are you there?']);
    await page.context().close();
  });

  it("sends the browser's language as the hint, so the bot answers in it", async () => {
    const app = await startTestServer();
    servers.push(app);
    const english = await open(app.url, 'en-US');
    // an emoji carries no language of its own: the browser's language decides
    await type(english, '👋');
    await waitForMessages(english, 'bot', 1);
    const spanish = await open(app.url, 'es-ES');
    await type(spanish, '👋');
    await waitForMessages(spanish, 'bot', 1);
    const [englishReply] = await messages(english, 'bot');
    const [spanishReply] = await messages(spanish, 'bot');
    expect(spanishReply).not.toBe(englishReply);
    expect(spanishReply).toMatch(/Perdona|Hola/);
    expect(await spanish.getAttribute('[data-croupier="input"]', 'placeholder')).toBe('Escribe tu mensaje…');
    await english.context().close();
    await spanish.context().close();
  });
});
