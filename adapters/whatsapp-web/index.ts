import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import qrcode from 'qrcode-terminal';
import wweb from 'whatsapp-web.js';
import type WAWebJS from 'whatsapp-web.js';
import { platformError } from '../../src/core/delivery.js';
import { CroupierError } from '../../src/core/errors.js';
import { KeyedQueue } from '../../src/core/keyed-queue.js';
import type { Inbound, Outbound } from '../../src/core/message.js';
import type { Accepted } from '../../src/core/pipeline.js';
import { render } from '../../src/core/render.js';
import type { ChannelAdapter, ChannelCapabilities, ChannelContext } from '../../src/server/channel.js';
import { libraryClient, sessionDir, type ClientFactory, type ClientSettings, type WhatsappClient } from './client.js';
import { CHANNEL, serializedId, toInbound } from './inbound.js';
import { mediaLoader, type MediaLoader } from './media.js';

export { CHANNEL } from './inbound.js';

/**
 * WhatsApp Web can no longer show buttons or lists to a linked device (the library's `Buttons` and
 * `List` are deprecated), so options become numbered text and the player answers "2". Text is
 * capped at 4096 UTF-16 units, WhatsApp's documented limit for a text message body (Cloud API
 * `text.body`: "Maximum length: 4096 characters"); WhatsApp Web itself takes more, but longer
 * bubbles read badly on a phone, and the renderer splits at paragraph and sentence boundaries.
 */
export const whatsappWebCapabilities: ChannelCapabilities = {
  buttons: null,
  list: null,
  textMax: 4096,
  formatting: 'plain',
};

export type ConnectionState = 'idle' | 'starting' | 'qr' | 'authenticated' | 'ready' | 'reconnecting' | 'closed';

export interface WhatsappWebOptions {
  /** Builds the client; default: whatsapp-web.js's `Client` with LocalAuth and the system Chromium. */
  readonly createClient?: ClientFactory;
  /** Waits between reconnection attempts; tests pass one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Shows the login QR code; default: drawn in the terminal with qrcode-terminal. */
  readonly printQr?: (qr: string) => void;
  /** Downloads an Outbound's media for sending; default: {@link mediaLoader}. */
  readonly loadMedia?: MediaLoader;
  /** Reconnection back-off: doubles from `baseDelayMs` (default 2 s) up to `maxDelayMs` (default 5 min). */
  readonly reconnect?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number };
  /** Starts the timer of a reply held while WhatsApp is disconnected; tests pass one they fire by hand. */
  readonly holdTimer?: (ms: number, expire: () => void) => () => void;
}

export interface WhatsappWebAdapter extends ChannelAdapter {
  /** Where the connection is: waiting for the QR login, ready, reconnecting… */
  readonly state: ConnectionState;
  /** Resolves once every message received so far is stored and its turn has finished. */
  settled(): Promise<void>;
}

/** Draws the QR code in the terminal, compact enough for an 80-column window. */
export function printQrToTerminal(qr: string): void {
  qrcode.generate(qr, { small: true }, (art) => process.stdout.write(`\n${art}\n`));
}

const LIBRARY_VERSION = (wweb as unknown as { version?: string }).version ?? '?';

/** A timer that never keeps the process alive after shutdown. */
const unrefSleep = (ms: number) =>
  new Promise<void>((done) => {
    setTimeout(done, ms).unref();
  });

/** Failures of a send that mean the browser behind the client is gone, not that this message is bad. */
const BROWSER_GONE = /(session|target|connection) closed|browser has disconnected|not opened|page has been closed/i;
/** A send refused because the channel is closing: retrying cannot help, the reply stays in the transcript. */
const shuttingDown = () =>
  new CroupierError('CROUPIER_PIPELINE_CLOSED', `${CHANNEL}: the channel is shutting down`, { details: { channel: CHANNEL } });
/** Failures that no retry can fix. */
const PERMANENT = /invalid wid|wid error|invalid media type|not a valid|invalid chat/i;

/**
 * The WhatsApp Web channel: a linked device driven by whatsapp-web.js in the system Chromium,
 * logged in once by QR code, its session kept under `<store.dataDir>/whatsapp-web`. Unofficial: for
 * small operators and development; WhatsApp's terms do not allow automated accounts.
 */
export function createWhatsappWebChannel(context: ChannelContext, options: WhatsappWebOptions = {}): WhatsappWebAdapter | undefined {
  const config = context.config.channels['whatsapp-web'];
  if (!config.enabled) return undefined;
  const log = context.log.child({ channel: CHANNEL });
  const settings: ClientSettings = {
    executablePath: config.executablePath,
    clientId: config.clientId,
    dataPath: join(resolve(context.config.store.dataDir), 'whatsapp-web'),
  };
  const session = sessionDir(settings);
  const createClient = options.createClient ?? libraryClient;
  const sleep = options.sleep ?? unrefSleep;
  const printQr = options.printQr ?? printQrToTerminal;
  const loadMedia = options.loadMedia ?? mediaLoader({ baseUrl: () => context.publicUrl() });
  const baseDelayMs = options.reconnect?.baseDelayMs ?? 2_000;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? 300_000;
  const holdMs = config.holdRepliesSeconds * 1000;
  const holdTimer =
    options.holdTimer ??
    ((ms: number, expire: () => void) => {
      const timer = setTimeout(expire, ms);
      timer.unref();
      return () => clearTimeout(timer);
    });

  let client: WhatsappClient | undefined;
  let state: ConnectionState = 'idle';
  /** Failed starts since the last `ready`; sets the back-off. */
  let failures = 0;
  let qrCount = 0;
  let connecting: Promise<void> | undefined;
  let again = false;
  const queue = new KeyedQueue();
  const inFlight = new Set<Promise<unknown>>();
  /** Pieces of a split text already sent, so a retried send does not repeat them. */
  const progress = new WeakMap<Outbound, number>();
  /** Replies waiting for the connection to come back: settled on `ready`, on their timer, or at shutdown. */
  const held = new Set<(outcome: 'ready' | 'stopping') => void>();
  let stopping = false;
  const releaseHeld = (outcome: 'ready' | 'stopping') => {
    for (const release of [...held]) release(outcome);
  };

  /**
   * WhatsApp Web drops its connection now and then (the phone offline, a browser restart); a reply
   * made meanwhile waits for the reconnection, up to `holdRepliesSeconds`, instead of failing after
   * the few seconds of the shared retry policy. Nothing else can reach this player in the meantime:
   * their next message arrives through the same connection.
   */
  const untilReady = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const release = (outcome: 'ready' | 'stopping' | 'expired') => {
        held.delete(release);
        cancel();
        if (outcome === 'ready') resolve();
        else if (outcome === 'stopping') reject(shuttingDown());
        else
          reject(
            new CroupierError(
              'CROUPIER_PLATFORM_API',
              `${CHANNEL}: not connected to WhatsApp (${state}) for ${config.holdRepliesSeconds} s; the reply was not sent`,
              // The wait already was the retry: the shared policy must not wait it out again.
              { details: { channel: CHANNEL, status: 503, retryable: false } },
            ),
          );
      };
      const cancel = holdTimer(holdMs, () => release('expired'));
      held.add(release);
    });

  // A function, so TypeScript does not narrow `state` across awaits (events change it meanwhile).
  const closed = () => state === 'closed';
  const delayFor = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));

  const destroyQuietly = async (current: WhatsappClient) => {
    try {
      await current.destroy();
    } catch (error) {
      log.debug({ err: error }, 'closing the WhatsApp Web browser failed (already gone)');
    }
  };

  /**
   * Starts the client, and keeps trying with back-off while it fails. One loop at a time: a
   * disconnect while it runs is handled by the loop itself. `afterFailure` closes the old browser
   * and waits before the first try.
   */
  const connect = (afterFailure: boolean) => {
    if (closed()) return;
    if (connecting) {
      // A disconnect while the loop is starting the client: go round once more when this start ends.
      again = true;
      return;
    }
    connecting = (async () => {
      let wait = afterFailure;
      for (;;) {
        const current = client;
        if (!current || closed()) return;
        if (wait) {
          state = 'reconnecting';
          await destroyQuietly(current);
          failures += 1;
          const delayMs = delayFor(failures);
          log.info({ attempt: failures, delayMs }, 'reconnecting to WhatsApp Web after a pause');
          await sleep(delayMs);
          if (closed() || client !== current) return;
        }
        wait = true;
        again = false;
        state = 'starting';
        try {
          await current.initialize();
          if (!again) return;
        } catch (error) {
          if (closed()) return;
          again = false;
          log.warn({ err: error, code: 'CROUPIER_PLATFORM_API' }, 'WhatsApp Web did not start');
        }
      }
    })().finally(() => {
      connecting = undefined;
    });
  };

  /**
   * Shutting down: the pipeline takes no more messages, and WhatsApp Web never delivers this one
   * again. It goes to the inbox as it is, and the next start answers it (Pipeline.recover).
   */
  const park = async (inbound: Inbound, error: unknown): Promise<Accepted> => {
    if (!(error instanceof CroupierError && error.code === 'CROUPIER_PIPELINE_CLOSED')) throw error;
    const first = await context.store.receipts.claim(CHANNEL, inbound.platformMessageId, inbound.receivedAt, inbound);
    await context.store.durable();
    log.info('shutting down: a WhatsApp Web message is kept in the inbox and answered after the next start');
    return { duplicate: !first, turn: Promise.resolve(undefined) };
  };

  const receive = (message: WAWebJS.Message) => {
    let mapped: ReturnType<typeof toInbound>;
    try {
      mapped = toInbound(message, context.clock.now());
    } catch (error) {
      log.warn({ err: error, code: 'CROUPIER_INPUT_INVALID' }, 'a WhatsApp Web message could not be read; ignored');
      return;
    }
    if ('ignored' in mapped) {
      log.debug({ reason: mapped.ignored }, 'WhatsApp Web message ignored');
      return;
    }
    const { inbound } = mapped;
    // Stored one after another per chat, so a player's messages keep their order in the pipeline.
    const task = queue
      .run(inbound.conversationKey, () => context.accept(inbound).catch((error: unknown) => park(inbound, error)))
      .then((accepted) => accepted.turn)
      .catch((error: unknown) => {
        // WhatsApp Web does not redeliver: say so plainly; the message stays visible on the phone.
        const code = error instanceof CroupierError ? error.code : 'CROUPIER_STORE_FAILED';
        log.error({ err: error, code }, 'a WhatsApp Web message could not be stored and will not be answered');
      });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const attach = (current: WhatsappClient) => {
    current.on('qr', (qr: string) => {
      state = 'qr';
      qrCount += 1;
      try {
        printQr(qr);
      } catch (error) {
        log.warn({ err: error }, 'the WhatsApp Web QR code could not be printed');
      }
      // The QR code itself is a login credential for a minute: it is printed, never logged.
      if (qrCount === 1)
        log.info(
          { session },
          'WhatsApp Web needs a login: scan the QR code printed above with WhatsApp on the phone (Settings → Linked devices → Link a device)',
        );
      else log.debug({ count: qrCount }, 'WhatsApp Web QR code refreshed');
    });
    current.on('authenticated', () => {
      // The event's payload may carry session data (RemoteAuth): never logged.
      state = 'authenticated';
      log.info({ session }, 'WhatsApp Web login accepted; the session is kept on disk for the next start');
    });
    current.on('auth_failure', (reason: string) => {
      log.error({ code: 'CROUPIER_PLATFORM_API', reason: String(reason).slice(0, 200) }, 'WhatsApp Web refused the saved session');
      connect(true);
    });
    current.on('ready', () => {
      state = 'ready';
      failures = 0;
      qrCount = 0;
      log.info({ heldReplies: held.size }, 'WhatsApp Web is connected and ready');
      releaseHeld('ready');
    });
    current.on('disconnected', (reason: string) => {
      if (state === 'closed') return;
      if (reason === 'LOGOUT') {
        // The library removes the session and shows a new QR code in the same browser.
        state = 'qr';
        log.warn('WhatsApp Web was logged out from the phone: the session was removed; scan the new QR code to log in again');
        return;
      }
      state = 'reconnecting';
      log.warn({ reason: String(reason).slice(0, 100) }, 'WhatsApp Web disconnected; reconnecting');
      connect(true);
    });
    current.on('message', (message: WAWebJS.Message) => receive(message));
  };

  /** Sends one piece; the library answers `undefined` when the chat does not exist. */
  const call = async (send: () => Promise<WAWebJS.Message | null | undefined>): Promise<WAWebJS.Message> => {
    let sent: WAWebJS.Message | null | undefined;
    try {
      sent = await send();
    } catch (error) {
      throw sendFailure(error);
    }
    if (!sent) throw platformError(CHANNEL, 404, 'WhatsApp Web has no chat for this conversation');
    return sent;
  };

  const sendFailure = (error: unknown): CroupierError => {
    if (error instanceof CroupierError) return error;
    // The library sometimes throws plain strings.
    const text = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    if (BROWSER_GONE.test(text) && state === 'ready') {
      log.warn({ code: 'CROUPIER_NETWORK' }, 'the WhatsApp Web browser is gone; reconnecting');
      state = 'reconnecting';
      connect(true);
    }
    return platformError(CHANNEL, PERMANENT.test(text) ? 400 : undefined, `sendMessage failed: ${text}`, { cause: error });
  };

  const receipt = (sent: WAWebJS.Message | undefined) => {
    const id = serializedId(sent?.id);
    return id === undefined ? {} : { platformMessageId: id };
  };

  return {
    id: CHANNEL,
    capabilities: whatsappWebCapabilities,

    get state() {
      return state;
    },

    // No routes: messages come through the browser session, not a webhook.
    async register() {},

    async start() {
      if (client || state === 'closed') return;
      try {
        client = createClient(settings);
      } catch (error) {
        throw new CroupierError(
          'CROUPIER_CONFIG_INVALID',
          `channels.whatsapp-web: the WhatsApp Web client could not be created: ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      attach(client);
      // Not awaited: the QR login can take minutes and must not hold up the server.
      connect(false);
    },

    async send(target, outbound) {
      if (outbound.kind === 'typing') return;
      // Shutting down: retrying cannot help, so fail at once (the reply stays in the transcript).
      if (closed() || (stopping && state !== 'ready')) throw shuttingDown();
      if (state !== 'ready') {
        log.info({ state }, 'WhatsApp Web is not connected; the reply waits for the reconnection');
        await untilReady();
      }
      const current = client;
      if (!current) throw platformError(CHANNEL, 503, `not connected to WhatsApp (${state})`);
      const chatId = target.conversationKey;
      if (outbound.kind === 'media') {
        const { media } = outbound;
        const file = await loadMedia(media);
        const sent = await call(() =>
          current.sendMessage(chatId, file, {
            ...(media.caption ? { caption: media.caption } : {}),
            ...(media.kind === 'document' ? { sendMediaAsDocument: true } : {}),
          }),
        );
        return receipt(sent);
      }
      const pieces = render(outbound, whatsappWebCapabilities);
      let last: WAWebJS.Message | undefined;
      for (let index = progress.get(outbound) ?? 0; index < pieces.length; index++) {
        const text = pieces[index]!.text;
        last = await call(() => current.sendMessage(chatId, text));
        progress.set(outbound, index + 1);
      }
      progress.delete(outbound);
      return receipt(last);
    },

    describe() {
      const saved = existsSync(session);
      return [
        `whatsapp-web: live (WhatsApp Web, unofficial, whatsapp-web.js ${LIBRARY_VERSION}, browser ${settings.executablePath})`,
        `whatsapp-web: session ${session} (${saved ? 'saved: no QR code needed unless it was logged out' : 'none yet'}); scan the QR code printed below on first start (WhatsApp → Settings → Linked devices → Link a device)`,
      ];
    },

    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    stopping() {
      // Held replies fail now (they stay in the transcript, marked failed) so the turns waiting on
      // them finish and the shutdown is not held up by a connection that may never come back;
      // while connected, replies of the turns still in flight go out as usual.
      stopping = true;
      releaseHeld('stopping');
    },

    async close() {
      stopping = true;
      releaseHeld('stopping');
      state = 'closed';
      const current = client;
      client = undefined;
      if (current) {
        await destroyQuietly(current);
        current.removeAllListeners();
      }
      // Messages received until now are stored (or parked in the inbox) before the store closes.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
