import { rmSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, randomId } from '../../src/core/clock.js';
import { signPlayerToken } from '../../src/core/player-token.js';
import { addAgent } from '../../src/handoff/agents.js';
import type { AgentRole } from '../../src/handoff/model.js';
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
 * The agent console (src/server/agent-console/) in real headless Chromium against the real server:
 * a player in the web widget asks for a person, an agent in the console takes the case to the end.
 * The server runs on a ManualClock with its SLA clock ticking only when the test calls desk.tick(),
 * so SLA states change exactly when the test says. Nothing here sleeps; it waits for selectors.
 * Set CROUPIER_E2E_SCREENSHOT=/tmp/console.png to save a picture of the case view.
 */
const available = chromiumAvailable;
const skipReason = skipWithoutChromium('agent console');
const CHROMIUM = CHROMIUM_PATH;
const ARGS = CHROMIUM_ARGS;
const PASSWORD = 'console-e2e-password';
const MINUTE = 60_000;
// No demo accounts: the test creates its own agents through the store API the CLI uses.
const YAML = 'handoff:\n  demoAgents: false\n';
const PLAYER_TOKEN_SECRET = 'console-e2e-player-token-secret';

const id = (testId: string) => `[data-testid="${testId}"]`;
const widget = widgetSelectors;

describe.skipIf(!available)(available ? 'agent console in real Chromium' : skipReason, { timeout: 60_000 }, () => {
  let browser: Browser;
  const servers: CroupierHandle[] = [];
  const dirs: string[] = [];
  const pageErrors: string[] = [];

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
    expect(pageErrors.splice(0)).toEqual([]); // no script error on any page
  });

  async function start(options: { dataDir?: string; port?: number; clock?: ManualClock } = {}) {
    const dataDir = options.dataDir ?? tempDir('croupier-console-e2e-');
    if (!dirs.includes(dataDir)) dirs.push(dataDir);
    const clock = options.clock ?? new ManualClock('2026-03-02T10:00:00Z');
    const app = await startTestServer({
      dataDir,
      clock,
      handoffTickMs: 0,
      yaml: YAML,
      env: { CROUPIER_PLAYER_TOKEN_SECRET: PLAYER_TOKEN_SECRET },
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    servers.push(app);
    return { app, clock, dataDir };
  }

  async function createAgent(
    app: CroupierHandle,
    clock: ManualClock,
    login: string,
    role: AgentRole,
    options: { languages?: string[]; skills?: string[] } = {},
  ) {
    return addAgent(
      app.store,
      {
        login,
        name: `${login[0]!.toUpperCase()}${login.slice(1)} Example`,
        role,
        skills: options.skills ?? ['general'],
        languages: options.languages ?? ['en'],
        tier: role === 'agent' ? 1 : 3,
        password: PASSWORD,
      },
      { ids: randomId, clock, defaultCapacity: 5 },
    );
  }

  async function newPage(context: BrowserContextOptions = {}): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 800 }, ...context })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(10_000); // a missing element fails with its selector, before the test's own timeout
    return page;
  }

  /** Opens the console and signs in; resolves once the live socket says hello. */
  async function signIn(url: string, login: string, context: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(context);
    await page.goto(`${url}/agent`);
    await page.fill(id('login-user'), login);
    await page.fill(id('login-password'), PASSWORD);
    await page.click(id('login-submit'));
    await page.locator(`${id('connection')}[data-state="online"]`).waitFor();
    return page;
  }

  /** The demo casino page with the widget open and connected. */
  async function openWidget(url: string, context: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(context);
    await page.goto(`${url}/`);
    await page.click(widget.launcher);
    await page.locator(`${widget.status}[data-state="online"]`).waitFor();
    return page;
  }

  /**
   * The demo page for a logged-in player: a casino site passes the player's signed token to
   * `Croupier.init` (see the comment in adapters/web/public/index.html); here an init script adds
   * it to the demo page's own call.
   */
  async function openWidgetAs(url: string, clock: ManualClock, casinoPlayerId: string): Promise<Page> {
    const page = await newPage();
    const token = signPlayerToken({ sub: casinoPlayerId, exp: Math.floor(clock.now().getTime() / 1000) + 3600 }, PLAYER_TOKEN_SECRET);
    await page.addInitScript((playerToken) => {
      type Api = { init(options: Record<string, unknown>): unknown };
      let api: Api | undefined;
      Object.defineProperty(window, 'Croupier', {
        configurable: true,
        get: () => api,
        set: (value: Api) => {
          api = { ...value, init: (options) => value.init({ ...options, playerToken }) };
        },
      });
    }, token);
    await page.goto(`${url}/`);
    await page.click(widget.launcher);
    await page.locator(`${widget.status}[data-state="online"]`).waitFor();
    return page;
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill(widget.input, text);
    await page.press(widget.input, 'Enter');
  }

  async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
    await page.waitForFunction(([s, c]) => document.querySelectorAll(s).length >= c, [selector, count] as const);
  }

  /** The player asks for a person and is told their place in the queue. */
  async function askForHuman(player: Page): Promise<void> {
    const before = await player.locator(widget.message('system')).count();
    await say(player, 'I want to talk to a human');
    await waitForCount(player, widget.message('system'), before + 1);
  }

  const entries = (page: Page) =>
    page
      .locator(id('transcript-entry'))
      .evaluateAll((nodes) =>
        nodes.map((n) => ({ author: n.getAttribute('data-author') ?? '', text: n.querySelector('.entry-text')?.textContent ?? '' })),
      );

  it('an agent takes a case from the widget to the end: live queue, transcript with the bot part, reply, close, rating', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'rosa', 'agent');

    // a wrong password keeps the login form, with a message
    const agent = await newPage();
    await agent.goto(`${app.url}/agent`);
    await agent.fill(id('login-user'), 'rosa');
    await agent.fill(id('login-password'), 'not-the-password');
    await agent.click(id('login-submit'));
    await agent.locator('#login-message:not([hidden])').waitFor();
    await eventually(() => agent.textContent('#login-message')).toBe('Wrong login or password.');
    await eventually(() => agent.locator(id('queue')).isVisible()).toBe(false);
    await agent.fill(id('login-password'), PASSWORD);
    await agent.click(id('login-submit'));
    await agent.locator(`${id('connection')}[data-state="online"]`).waitFor();
    await eventually(() => agent.evaluate(() => sessionStorage.getItem('croupier.agent.token'))).toBeTruthy();
    await eventually(() => agent.locator(id('queue-item')).count()).toBe(0);
    await eventually(() => agent.getAttribute(id('status-toggle'), 'aria-pressed')).toBe('false'); // offline: nothing is routed to Rosa

    // the player talks to the bot, then asks for a person
    const player = await openWidget(app.url);
    await say(player, 'hello');
    await waitForCount(player, widget.message('bot'), 1);
    await player.locator(widget.quickReply).first().waitFor();
    await askForHuman(player);

    // the case appears in the console without a reload
    const item = agent.locator(`${id('queue-item')}[data-status="queued"]`);
    await item.waitFor();
    const caseId = (await item.getAttribute('data-case-id'))!;
    await eventually(() => item.getAttribute('data-priority')).toBe('normal');
    await eventually(() => item.locator(id('sla-clock')).getAttribute('data-sla')).toBe('ok');
    await eventually(() => item.textContent()).toMatch(/EN.*web/);
    await eventually(() => item.textContent()).toContain('Asked for a person');
    await eventually(() => item.textContent()).toContain('#1 in queue');
    // the clock counts down from the 5-minute first-reply target in the server's time
    await eventually(() => item.locator(id('sla-clock')).textContent()).toMatch(/^[45]:\d\d$/);

    // the case view: the whole transcript, the bot part and its buttons included
    await item.click();
    await agent.locator(`${id('transcript-entry')}[data-author="system"]`).waitFor();
    await eventually(() => entries(agent)).toMatchObject([
      { author: 'player', text: 'hello' },
      { author: 'bot' },
      { author: 'player', text: 'I want to talk to a human' },
      { author: 'bot' },
      { author: 'system', text: expect.stringMatching(/number 1 in the queue/) },
    ]);
    await eventually(() =>
      agent
        .locator(`${id('transcript-entry')}[data-author="bot"]`)
        .first()
        .locator(id('entry-buttons'))
        .count(),
    ).toBe(1);
    await eventually(() =>
      agent
        .locator(`${id('transcript-entry')} time`)
        .first()
        .getAttribute('datetime'),
    ).toMatch(/^2026-03-02T10:00/);
    await eventually(() => agent.locator(id('player-card')).textContent()).toContain('Not verified');
    await eventually(() => agent.isDisabled(id('reply-input'))).toBe(true); // claim first

    // claim: the reply box opens and takes the focus
    await agent.click(id('claim'));
    await agent.locator(`${id('reply-input')}:not([disabled])`).waitFor();
    await eventually(() => agent.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('reply-input');
    await agent.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-status="assigned"]`).waitFor();
    await eventually(() => agent.locator(id('claim')).isVisible()).toBe(false);

    // canned replies in the case's language fill the box; Shift+Enter is a new line, Enter sends
    await eventually(() => agent.locator(`${id('canned')} option`).count()).toBeGreaterThan(1); // loaded for the case's language
    await agent.selectOption(id('canned'), { index: 1 });
    await eventually(() => agent.inputValue(id('reply-input'))).not.toBe('');
    await agent.fill(id('reply-input'), '');
    await agent.click(id('reply-input'));
    await agent.keyboard.type('Hi, I am Rosa.');
    await agent.keyboard.press('Shift+Enter');
    await agent.keyboard.type('How can I help?');
    await agent.keyboard.press('Enter');
    await agent.locator(`${id('transcript-entry')}[data-author="agent"]`).waitFor();
    await eventually(() => agent.inputValue(id('reply-input'))).toBe('');
    await eventually(async () => (await entries(agent)).at(-1)).toEqual({ author: 'agent', text: 'Hi, I am Rosa.\nHow can I help?' });

    // the player sees the reply in the widget, and answers; the answer appears live in the console
    await player.locator(widget.message('agent')).waitFor();
    await eventually(() => player.locator(`${widget.message('agent')} [data-croupier="text"]`).textContent()).toBe(
      'Hi, I am Rosa.\nHow can I help?',
    );
    await say(player, 'My withdrawal is stuck');
    await agent.locator(id('transcript-entry'), { hasText: 'My withdrawal is stuck' }).waitFor();
    await eventually(async () => (await entries(agent)).at(-1)?.author).toBe('player');

    // a reload keeps the session (sessionStorage) and reopens the case from the address
    await eventually(() => agent.url()).toContain(`#/case/${caseId}`);
    await agent.reload();
    await agent.locator(id('transcript-entry'), { hasText: 'My withdrawal is stuck' }).waitFor();
    await agent.locator(`${id('reply-input')}:not([disabled])`).waitFor();
    // the skip link takes the keyboard to the open case, which stays open; new messages are announced
    await agent.focus('.skip');
    await agent.keyboard.press('Enter');
    await eventually(() => agent.evaluate(() => document.activeElement?.id)).toBe('case-title');
    await eventually(() => agent.url()).toContain(`#/case/${caseId}`);
    await eventually(() => agent.getAttribute(id('transcript'), 'aria-live')).toBe('polite');

    // an internal note stays with the agents
    await agent.fill(id('note-input'), 'Checked the payment provider: nothing pending there.');
    await agent.click(id('note-send'));
    await agent.locator(id('note'), { hasText: 'payment provider' }).waitFor();
    if (process.env['CROUPIER_E2E_SCREENSHOT']) await agent.screenshot({ path: process.env['CROUPIER_E2E_SCREENSHOT'] });

    // close as resolved: the bot takes over and asks the player for a rating
    await agent.click(id('close-resolved'));
    await agent.locator(`${id('case-status')}[data-status="closed"]`).waitFor();
    await eventually(() => agent.locator(`${id('queue-item')}[data-case-id="${caseId}"]`).count()).toBe(0);
    await eventually(() => agent.locator(id('close-resolved')).isVisible()).toBe(false);
    await eventually(() => agent.isDisabled(id('reply-input'))).toBe(true);
    await player.locator(`${widget.quickReply}[data-payload="csat:5"]`).waitFor();
    await eventually(() =>
      player.locator(widget.quickReply).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-payload'))),
    ).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    // the question reaches the console's transcript too
    await agent.locator(`${id('transcript-entry')}[data-author="bot"]`, { hasText: /rate|rating/i }).waitFor();
    await player.click(`${widget.quickReply}[data-payload="csat:5"]`);
    await eventually(async () => (await app.store.handoff.getCase(caseId))?.data['csat']).toBe(5);
    const playerTexts = await player.locator(`${widget.message()} [data-croupier="text"]`).allTextContents();
    expect(playerTexts.join('\n')).not.toContain('payment provider');

    // the closed case is in the closed list
    await agent.selectOption(id('queue-filter'), 'closed');
    await agent.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-status="closed"]`, { hasText: 'resolved' }).waitFor();

    // signing out forgets the token and shows the login form again
    await agent.click(id('logout'));
    await agent.locator(id('login-form')).waitFor();
    await eventually(() => agent.evaluate(() => sessionStorage.getItem('croupier.agent.token'))).toBeNull();
  });

  it('empties the reply box as the reply leaves, and gives the text back when the server refuses it', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'rosa', 'agent');
    const agent = await signIn(app.url, 'rosa');
    const player = await openWidget(app.url);
    await askForHuman(player);
    await agent.locator(id('queue-item')).click();
    await agent.click(id('claim'));
    await agent.locator(`${id('reply-input')}:not([disabled])`).waitFor();

    // the POST is held: the box is already empty while the reply is on its way (issue #12: the
    // socket event could show the sent reply in the transcript before the POST resolved)
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await agent.route('**/api/agent/cases/*/messages', async (route) => {
      await held;
      await route.continue();
    });
    await agent.fill(id('reply-input'), 'One moment please');
    await agent.press(id('reply-input'), 'Enter');
    await eventually(() => agent.inputValue(id('reply-input'))).toBe('');
    release();
    await agent.locator(id('transcript-entry'), { hasText: 'One moment please' }).waitFor();
    await eventually(() => agent.inputValue(id('reply-input'))).toBe('');
    await agent.unroute('**/api/agent/cases/*/messages');

    // refused by the server: the text comes back, with the reason, and nothing is added
    await agent.route('**/api/agent/cases/*/messages', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'CROUPIER_TEST', message: 'Try again.' }),
      }),
    );
    await agent.fill(id('reply-input'), 'Second line that fails');
    await agent.press(id('reply-input'), 'Enter');
    await agent.locator('#case-error:not([hidden])').waitFor();
    await eventually(() => agent.inputValue(id('reply-input'))).toBe('Second line that fails');
    await eventually(() => agent.locator(id('transcript-entry'), { hasText: 'Second line that fails' }).count()).toBe(0);
  });

  it('renders player markup as text, goes online to receive a case, and works on a phone', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'rosa', 'agent');
    const agent = await signIn(app.url, 'rosa', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

    const player = await openWidget(app.url);
    await askForHuman(player);
    const attack = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await say(player, attack);
    const item = agent.locator(id('queue-item'));
    await item.locator('.qi-last', { hasText: '<img' }).waitFor(); // the last message, live in the queue

    // going online routes the waiting case to the agent at once
    await agent.click(id('status-toggle'));
    await agent.locator(`${id('status-toggle')}[aria-pressed="true"]`).waitFor();
    await agent.locator(`${id('queue-item')}[data-status="assigned"]`).waitFor();

    // one column on a phone: the queue, then the case with a way back
    await eventually(() => agent.locator('#case').isVisible()).toBe(false);
    await item.click();
    await agent.locator(id('transcript-entry'), { hasText: '<img' }).waitFor();
    await eventually(() => agent.locator(id('queue')).isVisible()).toBe(false);
    await eventually(() => agent.locator(id('reply-send')).isVisible()).toBe(true);
    await eventually(async () => (await agent.locator(id('transcript')).boundingBox())?.width).toBeLessThanOrEqual(375);
    await eventually(async () => (await entries(agent)).filter((e) => e.author === 'player').at(-1)).toEqual({
      author: 'player',
      text: attack,
    });
    await eventually(() => agent.locator('#workspace img, #workspace script').count()).toBe(0);
    await eventually(() => agent.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await agent.click('#case-back');
    await agent.locator(id('queue')).waitFor();
    await eventually(() => agent.locator('#case').isVisible()).toBe(false);
  });

  it('shows a supervisor every case and the SLA going amber, then red with an alert; a plain agent gets no alert', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'sam', 'supervisor');
    await createAgent(app, clock, 'rosa', 'agent', { languages: ['es'] }); // not eligible for an English case
    const supervisor = await signIn(app.url, 'sam');
    const other = await signIn(app.url, 'rosa');
    await eventually(() => supervisor.textContent('#me')).toContain('Supervisor');

    const player = await openWidget(app.url);
    await askForHuman(player);
    const item = supervisor.locator(id('queue-item'));
    await item.waitFor();
    const caseId = (await item.getAttribute('data-case-id'))!;
    await eventually(() => other.locator(id('queue-item')).count()).toBe(0); // not routed to Rosa

    // 4.5 of 5 minutes gone: past the 80 % warning mark
    clock.advance(4.5 * MINUTE);
    await app.desk.tick();
    await supervisor.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-sla="warning"]`).waitFor();
    await eventually(() => supervisor.locator(id('sla-alert')).count()).toBe(0);
    // the console re-reads the list on an SLA change, and with it the server's time: 30 s left
    await eventually(() => item.locator(id('sla-clock')).textContent()).toMatch(/^0:[0-3]\d$/);

    // past the first-reply deadline: red, and an alert naming the case
    clock.advance(1 * MINUTE);
    await app.desk.tick();
    const alert = supervisor.locator(`${id('sla-alert')}[data-case-id="${caseId}"]`);
    await alert.waitFor();
    await eventually(() => alert.getAttribute('data-kind')).toBe('first_reply');
    await eventually(() => alert.textContent()).toContain('no first reply in time');
    await supervisor.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-sla="breached"]`).waitFor();
    await eventually(() => other.locator(id('sla-alert')).count()).toBe(0);

    // the alert opens the case; dismissing it removes it
    await alert.getByRole('button', { name: 'Open case' }).click();
    await supervisor.locator(`${id('transcript-entry')}[data-author="player"]`).waitFor();
    await eventually(() => supervisor.locator(id('sla-clock')).last().getAttribute('data-sla')).toBe('breached');
    await alert.getByRole('button', { name: 'Dismiss this alert' }).click();
    await eventually(() => supervisor.locator(id('sla-alert')).count()).toBe(0);
  });

  it('orders VIPs by tier and shows the player card from the back office, with the responsible-gambling flag', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'rosa', 'agent');
    const agent = await signIn(app.url, 'rosa');

    // a silver VIP in a cool-off period asks first, a gold VIP second: gold goes first
    const thomas = await openWidgetAs(app.url, clock, 'P-1010');
    await askForHuman(thomas);
    await agent.locator(id('queue-item')).waitFor();
    const lucia = await openWidgetAs(app.url, clock, 'P-1002');
    await askForHuman(lucia);
    await waitForCount(agent, id('queue-item'), 2);
    const names = () => agent.locator(`${id('queue-item')} .qi-name`).allTextContents();
    await eventually(names).toEqual(['Lucía García', 'Thomas Müller']);
    await eventually(() => agent.locator(`${id('queue-item')} ${id('vip-badge')}`).allTextContents()).toEqual(['VIP Gold', 'VIP Silver']);

    await agent.locator(id('queue-item')).first().click();
    const card = agent.locator(id('player-card'));
    await card.locator('dl').waitFor();
    const lucias = () => card.textContent();
    await eventually(lucias).toContain('Lucía García');
    await eventually(lucias).toContain('P-1002');
    await eventually(lucias).toContain('VIP Gold');
    await eventually(() => card.locator(id('kyc-status')).textContent()).toBe('Pending');
    await eventually(lucias).toContain('missing: Selfie, Utility bill');
    await eventually(lucias).toMatch(/€840\.20.*€50\.00 bonus/);
    await eventually(() => agent.locator(id('rg-flag')).count()).toBe(0);

    await agent.locator(id('queue-item')).nth(1).click();
    await card.locator('dl', { hasText: 'P-1010' }).waitFor();
    await eventually(() => agent.locator(id('rg-flag')).isVisible()).toBe(true);
    await eventually(() => agent.textContent(id('rg-flag'))).toContain('Do not offer bonuses');
  });

  it('transfers: an agent hands a case to payments, a supervisor gives it to a named agent', async () => {
    const { app, clock } = await start();
    await createAgent(app, clock, 'rosa', 'agent');
    await createAgent(app, clock, 'paul', 'agent', { skills: ['payments'] });
    await createAgent(app, clock, 'sam', 'supervisor');
    const rosa = await signIn(app.url, 'rosa');
    const paul = await signIn(app.url, 'paul');
    const sam = await signIn(app.url, 'sam');

    const player = await openWidget(app.url);
    await askForHuman(player);
    const item = rosa.locator(id('queue-item'));
    await item.waitFor();
    const caseId = (await item.getAttribute('data-case-id'))!;
    await sam.locator(`${id('queue-item')}[data-case-id="${caseId}"]`).waitFor();
    await eventually(() => paul.locator(id('queue-item')).count()).toBe(0); // a general case is not Paul's

    // Rosa claims it, then sends it to payments: it leaves her list and reaches Paul's queue
    await item.click();
    await rosa.click(id('claim'));
    await rosa.locator(`${id('reply-input')}:not([disabled])`).waitFor();
    await eventually(() => rosa.locator('#transfer-agent-row').isVisible()).toBe(false); // plain agents do not read the team list
    await rosa.click(id('transfer-send'));
    await rosa.locator('#case-error:not([hidden])').waitFor(); // nothing chosen yet
    await rosa.selectOption(id('transfer-skill'), 'payments');
    await rosa.click(id('transfer-send'));
    await paul.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-status="queued"]`).waitFor();
    await eventually(() => paul.locator(id('queue-item')).textContent()).toContain('Payments');
    await rosa.waitForFunction((s) => document.querySelectorAll(s).length === 0, `${id('queue-item')}[data-case-id="${caseId}"]`);

    // Sam gives it to Paul by name: it lands in Paul's own cases
    await sam.locator(`${id('queue-item')}[data-case-id="${caseId}"]`).click();
    await sam.locator(`${id('transcript-entry')}[data-author="player"]`).waitFor();
    // the team list arrives after the case opens
    await eventually(async () =>
      (await sam.locator(`${id('transfer-agent')} option`).allTextContents()).some((o) => o.startsWith('Paul Example')),
    ).toBe(true);
    const paulId = (await app.store.handoff.agentByLogin('paul'))!.id;
    await sam.selectOption(id('transfer-agent'), paulId);
    await sam.click(id('transfer-send'));
    await paul.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-status="assigned"]`).waitFor();
    await sam.locator(`${id('queue-item')}[data-case-id="${caseId}"][data-status="assigned"]`, { hasText: 'Paul Example' }).waitFor();
    await paul.locator(id('queue-item')).click();
    await paul.locator(`${id('reply-input')}:not([disabled])`).waitFor();
  });

  it('reconnects after the server restarts and catches up with what happened meanwhile', async () => {
    const first = await start();
    await createAgent(first.app, first.clock, 'rosa', 'agent');
    const agent = await signIn(first.app.url, 'rosa');
    const port = Number(new URL(first.app.url).port);

    await first.app.close();
    await agent.locator(`${id('connection')}[data-state="reconnecting"]`).waitFor();

    // the session survives the restart (it is in the store); a case queued meanwhile shows up
    const second = await start({ dataDir: first.dataDir, port, clock: first.clock });
    const player = await openWidget(second.app.url);
    await askForHuman(player);
    await agent.locator(`${id('connection')}[data-state="online"]`).waitFor({ timeout: 20_000 });
    await agent.locator(id('queue-item')).waitFor();
    await eventually(() => agent.locator(id('login-form')).isVisible()).toBe(false);
  });
});
