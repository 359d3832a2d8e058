import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WhatsappWebAdapter, WhatsappWebOptions } from '../../../adapters/whatsapp-web/index.js';
import type { Logger } from 'pino';
import type { ChannelContext } from '../../../src/server/channel.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { captureLog } from '../../support/pipeline-harness.js';
import { startTestServer, tempDir } from '../../support/server.js';
import { FakeWhatsappClient, imageData, locationData, messageData, PLAYER } from './fake-client.js';

/**
 * The real server (config, pipeline, flows, retry policy) with the real WhatsApp Web adapter; only
 * the registry's factory is swapped, so the adapter gets a fake client instead of a browser.
 */
interface Hooks {
  client: FakeWhatsappClient | undefined;
  created: number;
  options: WhatsappWebOptions;
  log: Logger | undefined;
}
const hooks = vi.hoisted((): Hooks => ({ client: undefined, created: 0, options: {}, log: undefined }));

vi.mock('../../../adapters/index.js', async () => {
  const web = await import('../../../adapters/web/index.js');
  const whatsapp = await import('../../../adapters/whatsapp-web/index.js');
  return {
    channelFactories: {
      web: web.createWebChannel,
      'whatsapp-web': (context: ChannelContext) =>
        whatsapp.createWhatsappWebChannel(
          { ...context, log: hooks.log ?? context.log },
          {
            createClient: () => {
              if (!hooks.client) throw new Error('no fake client');
              hooks.created += 1;
              return hooks.client;
            },
            ...hooks.options,
          },
        ),
    },
  };
});

const YAML = `
channels:
  whatsapp-web:
    enabled: true
    executablePath: /nonexistent/chromium
    clientId: shop-1
`;

let fake: FakeWhatsappClient;
let lines: Record<string, unknown>[];
let retrySleeps: number[];
let sleeps: number[];
const running: CroupierHandle[] = [];

beforeEach(() => {
  fake = new FakeWhatsappClient();
  const captured = captureLog();
  lines = captured.lines;
  retrySleeps = [];
  sleeps = [];
  hooks.client = fake;
  hooks.created = 0;
  hooks.log = captured.log;
  hooks.options = {
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    printQr: () => {},
  };
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function start(onRetry?: (attempt: number) => void): Promise<{ app: CroupierHandle; channel: WhatsappWebAdapter }> {
  const app = await startTestServer({
    yaml: YAML,
    deliveryRetries: {
      sleep: async (ms) => {
        retrySleeps.push(ms);
        onRetry?.(retrySleeps.length);
      },
      random: () => 0.5,
    },
  });
  running.push(app);
  const channel = app.channels.find((c) => c.id === 'whatsapp-web') as WhatsappWebAdapter | undefined;
  if (!channel) throw new Error('whatsapp-web channel is not running');
  return { app, channel };
}

async function startReady() {
  const started = await start();
  fake.emit('ready');
  return started;
}

/** Lets every queued promise callback run (no timer involved). */
const eventLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function transcriptOf(app: CroupierHandle, chat = PLAYER) {
  const conversation = await app.store.conversations.findByKey('whatsapp-web', chat);
  return conversation ? app.store.transcript.list(conversation.id) : [];
}

describe('WhatsApp Web channel over a fake client', () => {
  it('starts the client without waiting for the QR login, and describes where the session lives', async () => {
    fake.initializeImpl = () => new Promise(() => {}); // the login never completes
    const { app, channel } = await start();
    expect(hooks.created).toBe(1);
    expect(fake.initializeCalls).toBe(1);
    expect(channel.state).toBe('starting');
    const description = channel.describe().join('\n');
    expect(description).toContain('whatsapp-web: live');
    expect(description).toContain('/nonexistent/chromium');
    expect(description).toContain(`${app.config.store.dataDir}/whatsapp-web/session-shop-1`);
    expect(description).toContain('scan the QR code printed below on first start');
  });

  it('answers a text message in the same chat, through the whole pipeline', async () => {
    const { app, channel } = await startReady();
    const incoming = fake.receive(messageData({ body: 'hi there' }));
    await channel.settled();

    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.chatId).toBe(PLAYER);
    expect(fake.texts()[0]).toContain('Royal Ace support assistant');
    const entries = await transcriptOf(app);
    expect(entries.map((e) => [e.direction, e.delivery ?? null])).toEqual([
      ['in', null],
      ['out', 'sent'],
    ]);
    expect(entries[0]).toMatchObject({ text: 'hi there', platformMessageId: incoming.id._serialized });
    // The receipt is the id WhatsApp gave the sent message.
    expect(entries[1]?.platformMessageId).toMatch(/^true_34600111222@c\.us_/);
  });

  it('shows the menu as numbered text and maps a typed "2" back to the second button', async () => {
    const { app, channel } = await startReady();
    fake.receive(messageData({ body: 'hello' }));
    await channel.settled();
    const menu = fake.texts()[0] ?? '';
    expect(menu).toContain('1. Deposit problem\n2. Withdrawal status\n3. Bonuses');
    const offered = (await transcriptOf(app)).at(-1)?.buttons ?? [];
    expect(offered.length).toBe(5);

    fake.receive(messageData({ body: '2' }));
    await channel.settled();
    // "2" is the Withdrawal status button: that flow first asks the player to verify by e-mail.
    expect(fake.texts()[1]).toContain("To show account details I need to confirm it's you");
    const events = await app.store.events.list({ type: 'flow.started' });
    expect(events.map((e) => e.data?.['flow'])).toEqual(['greeting', 'withdrawal_status']);
  });

  it('a bare "2" with no menu open stays plain text', async () => {
    const { app, channel } = await startReady();
    fake.receive(messageData({ body: '2' }));
    await channel.settled();
    const events = await app.store.events.list({ type: 'flow.started' });
    expect(events.map((e) => e.data?.['flow'])).not.toContain('withdrawal_status');
  });

  it('stores a photo with its caption as an attachment in the transcript', async () => {
    const { app, channel } = await startReady();
    const photo = fake.receive(imageData('my passport'));
    fake.receive(locationData());
    await channel.settled();
    const inbound = (await transcriptOf(app)).filter((e) => e.direction === 'in');
    expect(inbound[0]).toMatchObject({
      text: 'my passport',
      attachments: [{ kind: 'image', platformFileId: photo.id._serialized, mimeType: 'image/jpeg', caption: 'my passport' }],
    });
    expect(inbound[1]?.attachments?.[0]).toMatchObject({ kind: 'location', url: 'geo:40.4168,-3.7038' });
  });

  it('ignores group, status, broadcast and own messages: nothing stored, nothing sent', async () => {
    const { app, channel } = await startReady();
    fake.receive(messageData({ from: '120363025246125486@g.us', author: PLAYER, body: 'hello group' }));
    fake.receive(messageData({ from: 'status@broadcast', author: PLAYER, body: 'my status' }));
    fake.receive(messageData({ from: '1772366400@broadcast', body: 'list' }));
    fake.receive(messageData({ fromMe: true, to: PLAYER, body: 'typed on the phone' }));
    await channel.settled();
    expect(fake.sent).toEqual([]);
    expect(await app.store.conversations.findByKey('whatsapp-web', '120363025246125486@g.us')).toBeUndefined();
    expect(await app.store.conversations.findByKey('whatsapp-web', 'status@broadcast')).toBeUndefined();
    expect(await transcriptOf(app)).toEqual([]);
  });

  it('drops a message WhatsApp Web delivers twice (same serialized id)', async () => {
    const { app, channel } = await startReady();
    const data = messageData({ body: 'hi there' });
    fake.receive(data);
    fake.receive(structuredClone(data));
    await channel.settled();
    expect(fake.sent).toHaveLength(1);
    expect((await transcriptOf(app)).filter((e) => e.direction === 'in')).toHaveLength(1);
  });

  it('prints the QR code in the terminal and logs a line, never the code itself', async () => {
    const qr = '2@Zm9vYmFyYmF6cXV4,3zv1aWg0lOi7yT4sW8Kj0Q==,Vn1Oq0FZ6v8yQb0Mw3N4bQ==,c2Vzc2lvbi1rZXk=';
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    hooks.options = { ...hooks.options, printQr: undefined }; // the real printer: qrcode-terminal
    const { channel } = await start();
    fake.emit('qr', qr);
    fake.emit('qr', `${qr}-refreshed`);
    write.mockRestore();

    const art = printed.join('');
    expect(art).toMatch(/[▄▀█]/);
    expect(art.split('\n').length).toBeGreaterThan(20);
    expect(channel.state).toBe('qr');
    const messages = lines.map((l) => String(l['msg']));
    expect(messages.filter((m) => m.includes('scan the QR code'))).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('Zm9vYmFy');

    fake.emit('authenticated', { session: 'SECRET-SESSION-BLOB' });
    fake.emit('ready');
    expect(channel.state).toBe('ready');
    expect(JSON.stringify(lines)).not.toContain('SECRET-SESSION-BLOB');
  });

  it('a failed send is retried by the shared policy and lands once', async () => {
    const { app, channel } = await startReady();
    fake.sendFailures.push(new Error('Evaluation failed: r'));
    fake.receive(messageData({ body: 'hi there' }));
    await channel.settled();
    expect(retrySleeps).toEqual([500]);
    expect(fake.sent).toHaveLength(1);
    expect((await transcriptOf(app)).at(-1)?.delivery).toBe('sent');
  });

  it('a send to a chat WhatsApp does not know fails at once (not retried) and is marked failed', async () => {
    const { app, channel } = await startReady();
    fake.sendFailures.push(null);
    fake.receive(messageData({ body: 'hi there' }));
    await channel.settled();
    expect(retrySleeps).toEqual([]);
    expect(fake.sent).toEqual([]);
    expect((await transcriptOf(app)).at(-1)?.delivery).toBe('failed');
    const failed = await app.store.events.list({ type: 'message.failed' });
    expect(failed[0]?.data).toMatchObject({ channel: 'whatsapp-web', code: 'CROUPIER_PLATFORM_API' });
  });

  it('while the client is not ready, a reply waits for it and goes out once it is, without retries', async () => {
    const { app, channel } = await start();
    fake.emit('authenticated');
    fake.receive(messageData({ body: 'hi there' }));
    while (!lines.some((l) => String(l['msg']).includes('the reply waits for the reconnection'))) await eventLoopTurn();
    expect(fake.sent).toHaveLength(0);
    fake.emit('ready');
    await channel.settled();
    expect(retrySleeps).toHaveLength(0);
    expect(fake.sent).toHaveLength(1);
    expect((await transcriptOf(app)).at(-1)?.delivery).toBe('sent');
  });

  it('a reply made during a disconnect is held until WhatsApp is back, then sent', async () => {
    const { channel } = await startReady();
    fake.emit('disconnected', 'CONFLICT');
    expect(channel.state).toBe('reconnecting');
    const target = { channel: 'whatsapp-web', conversationKey: PLAYER, conversationId: 'c-1' };
    const sending = channel.send(target, { kind: 'text', text: 'your withdrawal is approved', author: 'agent' });
    await eventLoopTurn();
    expect(fake.sent).toHaveLength(0);
    fake.emit('ready');
    const receipt = await sending;
    expect(typeof receipt?.platformMessageId).toBe('string');
    expect(fake.sent.map((m) => m.content)).toEqual(['your withdrawal is approved']);
  });

  it('a reply held longer than holdRepliesSeconds is marked failed once, not retried', async () => {
    const timers: { ms: number; expire: () => void }[] = [];
    hooks.options = { ...hooks.options, holdTimer: (ms, expire) => (timers.push({ ms, expire }), () => undefined) };
    const { app, channel } = await start();
    fake.receive(messageData({ body: 'hi there' }));
    while (timers.length === 0) await eventLoopTurn();
    expect(timers[0]?.ms).toBe(120_000);
    timers[0]?.expire();
    await channel.settled();
    expect(retrySleeps).toHaveLength(0);
    expect(fake.sent).toHaveLength(0);
    const reply = (await transcriptOf(app)).at(-1);
    expect(reply).toMatchObject({ direction: 'out', delivery: 'failed' });
    const failed = await app.store.events.list({ type: 'message.failed' });
    expect(failed.at(-1)?.data).toMatchObject({ channel: 'whatsapp-web', code: 'CROUPIER_PLATFORM_API' });
  });

  it('a shutdown does not wait for a held reply: it fails as the channel closes and the rest shuts down', async () => {
    const { app, channel } = await start();
    fake.receive(messageData({ body: 'hi there' }));
    while (!lines.some((l) => String(l['msg']).includes('the reply waits for the reconnection'))) await eventLoopTurn();
    await app.close();
    running.splice(running.indexOf(app), 1);
    expect(channel.state).toBe('closed');
    expect(fake.sent).toHaveLength(0);
    // the reply is kept, marked failed with the reason, for the agent and the KPIs
    const store = openSqliteStore({ file: join(app.config.store.dataDir, 'croupier.db') });
    const conversation = await store.conversations.findByKey('whatsapp-web', PLAYER);
    expect((await store.transcript.list(conversation!.id)).at(-1)).toMatchObject({ direction: 'out', delivery: 'failed' });
    expect((await store.events.list({ type: 'message.failed' })).at(-1)?.data).toMatchObject({ code: 'CROUPIER_PIPELINE_CLOSED' });
    await store.close();
  });

  it('a long answer split in pieces is not repeated when a later piece is retried', async () => {
    const { channel } = await startReady();
    const long = `${'Deposits are credited within minutes. '.repeat(120)}\n\n${'Withdrawals take up to 24 hours. '.repeat(100)}`;
    const target = { channel: 'whatsapp-web', conversationKey: PLAYER, conversationId: 'c-1' };
    await channel.send(target, { kind: 'text', text: long, author: 'agent' });
    const pieces = fake.texts();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);

    // Again, but the second piece fails once: the retry sends only what is missing.
    fake.sent.length = 0;
    const outbound = { kind: 'text' as const, text: long, author: 'agent' as const };
    const original = fake.sendMessage.bind(fake);
    let calls = 0;
    vi.spyOn(fake, 'sendMessage').mockImplementation(async (...args) => {
      calls += 1;
      if (calls === 2) throw new Error('Evaluation failed: r');
      return original(...args);
    });
    await expect(channel.send(target, outbound)).rejects.toMatchObject({ code: 'CROUPIER_NETWORK', details: { retryable: true } });
    expect(fake.sent).toHaveLength(1);
    await channel.send(target, outbound);
    expect(fake.texts()).toEqual(pieces);
  });

  it('sends media as an attachment: photo with caption, document as a document', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/media/limits.pdf') {
        response.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from('%PDF-1.4 limits'));
      } else if (request.url === '/media/card.png') {
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      } else response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { channel } = await startReady();
      const target = { channel: 'whatsapp-web', conversationKey: PLAYER, conversationId: 'c-1' };
      const photo = await channel.send(target, {
        kind: 'media',
        media: { kind: 'image', url: `${base}/media/card.png`, caption: 'Your card' },
        author: 'agent',
      });
      await channel.send(target, { kind: 'media', media: { kind: 'document', url: `${base}/media/limits.pdf` }, author: 'agent' });
      expect(photo).toMatchObject({ platformMessageId: expect.stringMatching(/^true_/) as unknown });

      const [image, document] = fake.sent;
      expect(image?.content).toMatchObject({
        mimetype: 'image/png',
        data: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
        filename: 'card.png',
      });
      expect(image?.options).toEqual({ caption: 'Your card' });
      expect(document?.content).toMatchObject({ mimetype: 'application/pdf', filename: 'limits.pdf' });
      expect(document?.options).toEqual({ sendMediaAsDocument: true });

      // A missing file is never sent as an error page, and is not retried.
      await expect(
        channel.send(target, { kind: 'media', media: { kind: 'image', url: `${base}/media/gone.png` }, author: 'agent' }),
      ).rejects.toMatchObject({ code: 'CROUPIER_PLATFORM_API', details: { status: 404, retryable: false } });
      expect(fake.sent).toHaveLength(2);
    } finally {
      server.close();
    }
  });
});

describe('WhatsApp Web connection', () => {
  it('re-initialises after a disconnect, with back-off and no real waiting', async () => {
    const { channel } = await startReady();
    expect(channel.state).toBe('ready');
    fake.emit('disconnected', 'CONFLICT');
    await fake.initialized(2);
    expect(channel.state).toBe('starting');
    expect(fake.destroyCalls).toBe(1);
    expect(sleeps).toEqual([2000]);
    expect(hooks.created).toBe(1);
    fake.emit('ready');
    expect(channel.state).toBe('ready');
    expect(lines.some((l) => String(l['msg']).includes('disconnected; reconnecting') && l['reason'] === 'CONFLICT')).toBe(true);

    // The back-off starts over after a successful reconnection.
    fake.emit('disconnected', 'UNPAIRED_IDLE');
    await fake.initialized(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('keeps trying when the browser does not start, doubling the wait up to the cap', async () => {
    let failuresLeft = 6;
    fake.initializeImpl = async () => {
      if (failuresLeft-- > 0) throw new Error('Failed to launch the browser process!');
    };
    hooks.options = { ...hooks.options, reconnect: { baseDelayMs: 1000, maxDelayMs: 10_000 } };
    const { channel } = await start();
    await fake.initialized(7);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(fake.destroyCalls).toBe(6);
    expect(lines.filter((l) => l['msg'] === 'WhatsApp Web did not start')).toHaveLength(6);
    fake.emit('ready');
    expect(channel.state).toBe('ready');
  });

  it('after a logout from the phone waits for the new QR code instead of restarting', async () => {
    const { channel } = await startReady();
    fake.emit('disconnected', 'LOGOUT');
    expect(channel.state).toBe('qr');
    await eventLoopTurn();
    expect(fake.initializeCalls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('a browser that died under a send triggers a reconnection', async () => {
    const { channel } = await startReady();
    fake.sendFailures.push(new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.'));
    await expect(
      channel.send(
        { channel: 'whatsapp-web', conversationKey: PLAYER, conversationId: 'c-1' },
        { kind: 'text', text: 'hi', author: 'agent' },
      ),
    ).rejects.toMatchObject({
      code: 'CROUPIER_NETWORK',
      details: { retryable: true },
    });
    await fake.initialized(2);
    expect(fake.destroyCalls).toBe(1);
  });

  it('close() destroys the client and stops a pending reconnection', async () => {
    let release = () => {};
    let sleeping = () => {};
    const asleep = new Promise<void>((resolve) => (sleeping = resolve));
    hooks.options = {
      ...hooks.options,
      sleep: (ms: number) => {
        sleeps.push(ms);
        sleeping();
        return new Promise<void>((resolve) => (release = resolve));
      },
    };
    const { app, channel } = await startReady();
    fake.emit('disconnected', 'NAVIGATION');
    await asleep;
    await app.close();
    running.splice(running.indexOf(app), 1);
    expect(channel.state).toBe('closed');
    release();
    await eventLoopTurn();
    expect(fake.initializeCalls).toBe(1);
    expect(fake.destroyCalls).toBe(2);
    expect(fake.listenerCount('message')).toBe(0);
    // Nothing to retry for once closed: a late reply fails at once instead of waiting out the back-off.
    await expect(
      channel.send(
        { channel: 'whatsapp-web', conversationKey: PLAYER, conversationId: 'c-1' },
        { kind: 'text', text: 'late', author: 'agent' },
      ),
    ).rejects.toMatchObject({ code: 'CROUPIER_PIPELINE_CLOSED' });
  });

  it('a client that cannot be created stops the start and leaves nothing listening', async () => {
    hooks.client = undefined;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expect(startTestServer({ yaml: YAML, port, watchContent: false })).rejects.toMatchObject({ code: 'CROUPIER_CONFIG_INVALID' });
    // the port is free again: the HTTP server the failed start opened is closed
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => again.close(resolve));
  });

  it('a replayed message whose reply waits for WhatsApp does not hold up the start', async () => {
    const dataDir = tempDir();
    // Left by the last run: acknowledged (in the inbox), never answered.
    const before = openSqliteStore({ file: join(dataDir, 'croupier.db') });
    const lost = {
      platformMessageId: 'wa-lost-1',
      channel: 'whatsapp-web',
      conversationKey: PLAYER,
      sender: { channel: 'whatsapp-web', userId: PLAYER },
      text: 'hola?',
      attachments: [],
      receivedAt: new Date(),
      raw: {},
    };
    expect(await before.receipts.claim(lost.channel, lost.platformMessageId, lost.receivedAt, lost)).toBe(true);
    await before.durable();
    await before.close();

    const app = await startTestServer({ yaml: YAML, dataDir });
    running.push(app);
    // started while WhatsApp is not connected yet: the replayed reply is held, the start is not
    expect(fake.sent).toHaveLength(0);
    fake.emit('ready');
    await app.recovered;
    expect(fake.texts(PLAYER)).toHaveLength(1);
    expect(await app.store.receipts.unsettled()).toEqual([]);
  });

  it('a message received while the server shuts down is kept in the inbox and answered after the next start', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let retrying = () => {};
    const isRetrying = new Promise<void>((resolve) => (retrying = resolve));
    // The first reply is stuck in a retry, so the shutdown waits in the pipeline's drain.
    const app = await startTestServer({
      yaml: YAML,
      deliveryRetries: {
        sleep: async () => {
          retrying();
          await held;
        },
        random: () => 0.5,
      },
    });
    running.push(app);
    fake.emit('ready');
    fake.sendFailures.push(new Error('Rate-overlimit'));
    fake.receive(messageData({ body: 'hi' }));
    await isRetrying;
    const drain = vi.spyOn(app.pipeline, 'drain');
    const closing = app.close();
    while (drain.mock.calls.length === 0) await eventLoopTurn();
    // WhatsApp Web never delivers this message again.
    fake.receive(messageData({ body: 'are you there?' }));
    release();
    await closing;
    running.splice(running.indexOf(app), 1);
    expect(lines.some((line) => line['msg'] === 'a WhatsApp Web message could not be stored and will not be answered')).toBe(false);

    const next = new FakeWhatsappClient();
    next.initializeImpl = async () => {
      next.emit('ready');
    };
    hooks.client = next;
    const again = await startTestServer({ yaml: YAML, dataDir: app.config.store.dataDir });
    running.push(again);
    await again.recovered;
    expect(next.texts(PLAYER)).toHaveLength(1);
    const conversation = await again.store.conversations.findByKey('whatsapp-web', PLAYER);
    const entries = await again.store.transcript.list(conversation!.id);
    expect(entries.filter((entry) => entry.direction === 'in').map((entry) => entry.text)).toEqual(['hi', 'are you there?']);
    expect(entries.at(-1)?.direction).toBe('out');
  });
});
