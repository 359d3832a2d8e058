import { rmSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { startTestServer, tempDir } from '../support/server.js';
import {
  CHROMIUM as CHROMIUM_PATH,
  CHROMIUM_ARGS,
  chromiumAvailable,
  eventually,
  skipWithoutChromium,
  widgetSelectors,
} from './browser.js';

/*
 * The web widget (adapters/web/public/widget.js) on the demo page, in real headless Chromium,
 * against the real server. Assertions are about structure (a bot message appears, it offers
 * buttons, a click yields another bot message), not the content's exact wording.
 * Set CROUPIER_E2E_SCREENSHOT=/tmp/widget.png to save a picture of the open widget.
 */
const available = chromiumAvailable;
const skipReason = skipWithoutChromium('widget');
const CHROMIUM = CHROMIUM_PATH;
const ARGS = CHROMIUM_ARGS;

const sel = widgetSelectors;

type Frame = Record<string, unknown> & { type: string };

describe.skipIf(!available)(available ? 'web widget in real Chromium' : skipReason, () => {
  let browser: Browser;
  const servers: CroupierHandle[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(browser.contexts().map((context) => context.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: { dataDir?: string; port?: number } = {}): Promise<CroupierHandle> {
    const dataDir = options.dataDir ?? tempDir('croupier-e2e-');
    if (!dirs.includes(dataDir)) dirs.push(dataDir);
    const app = await startTestServer({ ...options, dataDir });
    servers.push(app);
    return app;
  }

  /** A fresh context on the demo page, widget opened; `sent` collects the frames the widget sends. */
  async function open(url: string, context: BrowserContextOptions = {}): Promise<{ page: Page; sent: Frame[] }> {
    const page = await (await browser.newContext({ locale: 'en-US', ...context })).newPage();
    const sent: Frame[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (event) => sent.push(JSON.parse(String(event.payload)) as Frame)));
    await page.goto(`${url}/`);
    await page.click(sel.launcher);
    await page.locator(`${sel.status}[data-state="online"]`).waitFor();
    return { page, sent };
  }

  const texts = (page: Page, author?: string) => page.locator(`${sel.message(author)} [data-croupier="text"]`).allTextContents();
  const authors = (page: Page) =>
    page.locator(sel.message()).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-author') ?? ''));

  async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
    await page.waitForFunction(([s, c]) => document.querySelectorAll(s).length >= c, [selector, count] as const);
  }

  async function type(page: Page, text: string): Promise<void> {
    await page.fill(sel.input, text);
    await page.press(sel.input, 'Enter');
  }

  it('chats with the bot, clicks a quick reply, and finds the whole history after a reload', async () => {
    const app = await start();
    const { page, sent } = await open(app.url);
    await eventually(() => page.title()).toBe('Royal Ace Casino (demo)');

    // opening focuses the input; Shift+Enter is a new line, not a send
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('data-croupier'))).toBe('input');
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await eventually(() => page.inputValue(sel.input)).toBe('line one\n');
    await eventually(() => page.locator(sel.message()).count()).toBe(0);
    await page.fill(sel.input, '');

    await type(page, 'hello');
    await waitForCount(page, sel.message('bot'), 1);
    await eventually(() => authors(page)).toEqual(['player', 'bot']);
    await eventually(() => texts(page, 'player')).toEqual(['hello']);
    await eventually(async () => (await texts(page, 'bot'))[0]).not.toBe('');
    await eventually(() => page.inputValue(sel.input)).toBe('');
    await page.locator(`${sel.message('player')}[data-status="sent"]`).waitFor();

    const button = page.locator(sel.quickReply).first();
    await button.waitFor();
    const label = (await button.textContent()) ?? '';
    const payload = await button.getAttribute('data-payload');
    if (process.env['CROUPIER_E2E_SCREENSHOT']) await page.screenshot({ path: process.env['CROUPIER_E2E_SCREENSHOT'] });
    await button.click();
    await waitForCount(page, sel.message('bot'), 2);
    await eventually(() => texts(page, 'player')).toEqual(['hello', label]);
    await eventually(() => sent.filter((frame) => frame.type === 'message').at(-1)).toMatchObject({ text: label, payload });
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 0, `${sel.message()}[data-status="pending"]`);
    const before = await texts(page);
    const beforeAuthors = await authors(page);
    expect(sent[0]).toMatchObject({ type: 'hello', locale: 'en-US' });
    expect(sent[0]).not.toHaveProperty('conversationId');

    // Escape closes the panel and gives the focus back to the launcher
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'hidden' });
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('data-croupier'))).toBe('launcher');

    const conversationId = await page.evaluate(() => localStorage.getItem('croupier.conversationId'));
    expect(conversationId).toBeTruthy();
    await page.reload();
    await page.click(sel.launcher);
    await waitForCount(page, sel.message(), before.length);
    await eventually(() => texts(page)).toEqual(before);
    await eventually(() => authors(page)).toEqual(beforeAuthors);
    await eventually(() => sent.filter((frame) => frame.type === 'hello').at(-1)).toMatchObject({ conversationId });
  });

  it('keeps a message typed while the server is down and sends it once the server is back', async () => {
    const dataDir = tempDir('croupier-e2e-');
    const first = await start({ dataDir });
    const port = Number(new URL(first.url).port);
    const { page } = await open(first.url);
    await type(page, 'hello');
    await waitForCount(page, sel.message('bot'), 1);
    const firstExchange = await texts(page);

    await first.close();
    await page.locator(`${sel.status}:is([data-state="offline"], [data-state="connecting"])`).waitFor();
    await type(page, 'are you there?');
    const pending = page.locator(`${sel.message('player')}[data-status="pending"]`);
    await pending.waitFor();
    await eventually(() => pending.locator('[data-croupier="text"]').textContent()).toBe('are you there?');
    const outbox = () =>
      page.evaluate(() => (JSON.parse(localStorage.getItem('croupier.outbox') ?? '[]') as { text: string }[]).map((item) => item.text));
    await eventually(outbox).toEqual(['are you there?']);

    const second = await start({ dataDir, port });
    await page.locator(`${sel.status}[data-state="online"]`).waitFor({ timeout: 15_000 });
    await waitForCount(page, sel.message('bot'), 2);
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 0, `${sel.message()}[data-status="pending"]`);
    await eventually(() => texts(page, 'player')).toEqual(['hello', 'are you there?']);
    await eventually(async () => (await texts(page)).slice(0, firstExchange.length)).toEqual(firstExchange);
    await eventually(() => page.evaluate(() => localStorage.getItem('croupier.outbox'))).toBe('[]');

    // the restarted server has the whole transcript: the store survived the restart
    const conversationId = await page.evaluate(() => localStorage.getItem('croupier.conversationId'));
    const conversation = await second.store.conversations.findByKey('web', conversationId ?? '');
    const transcript = await second.store.transcript.list(conversation!.id);
    expect(transcript.filter((e) => e.direction === 'in').map((e) => e.text)).toEqual(['hello', 'are you there?']);
  });

  it("sends the browser's language as the locale hint, and the bot answers in it", async () => {
    const app = await start();
    const english = await open(app.url, { locale: 'en-US' });
    const spanish = await open(app.url, { locale: 'es-ES' });
    expect(spanish.sent[0]).toMatchObject({ type: 'hello', locale: 'es-ES' });
    // an emoji carries no language of its own, so only the hint can decide the reply's language
    for (const { page } of [english, spanish]) await type(page, '👋');
    await waitForCount(english.page, sel.message('bot'), 1);
    await waitForCount(spanish.page, sel.message('bot'), 1);
    const [englishReply] = await texts(english.page, 'bot');
    const [spanishReply] = await texts(spanish.page, 'bot');
    expect(spanishReply).not.toBe(englishReply);
    await eventually(() => spanish.page.getAttribute(sel.input, 'placeholder')).toBe('Escribe tu mensaje…');
  });

  it('renders markup as text and fills a narrow screen', async () => {
    const app = await start();
    const { page } = await open(app.url, { viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });

    // full screen on a phone, with the launcher out of the way of the send button
    await eventually(() => page.locator(sel.panel).boundingBox()).toMatchObject({ x: 0, y: 0, width: 375, height: 700 });
    await eventually(() => page.locator(sel.launcher).isVisible()).toBe(false);
    await eventually(() => page.locator(sel.send).isVisible()).toBe(true);

    const attack = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await page.fill(sel.input, attack);
    await page.click(sel.send);
    await waitForCount(page, sel.message('bot'), 1);
    await page.reload(); // and again when the server's copy comes back in the history
    await page.click(sel.launcher);
    await waitForCount(page, sel.message('bot'), 1);
    await eventually(() => texts(page, 'player')).toEqual([attack]);
    await eventually(() => page.locator('[data-croupier="panel"] img, [data-croupier="panel"] script').count()).toBe(0);
    await eventually(() => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
