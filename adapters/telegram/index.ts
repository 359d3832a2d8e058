import { Bot, BotError, webhookCallback, type Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { FastifyInstance } from 'fastify';
import { CroupierError, isCroupierError, toCroupierError } from '../../src/core/errors.js';
import { linkVerifiedAccount } from '../../src/core/identity.js';
import type { Inbound, Outbound } from '../../src/core/message.js';
import { render, split } from '../../src/core/render.js';
import type { DeliveryTarget } from '../../src/core/stages/deliver.js';
import type { ChannelAdapter, ChannelContext } from '../../src/server/channel.js';
import { safeEqual, unauthorized } from '../../src/server/webhook.js';
import type { TranscriptEntry } from '../../src/store/store.js';
import { createAgentTopics } from './agent-topics.js';
import { CHANNEL, readUpdate, updateShape } from './inbound.js';
import { CAPTION_MAX, HASHED_PREFIX, callbackData, inlineKeyboard, redact, telegramCapabilities, toPlatformError } from './outbound.js';
import { readStartToken } from './start-token.js';
import { SendThrottle, TELEGRAM_LIMITS } from './throttle.js';

export { telegramCapabilities } from './outbound.js';

export const WEBHOOK_PATH = '/webhooks/telegram';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** What the bot asks Telegram for (setWebhook / getUpdates); everything else is not sent at all. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;
const TOKEN_SHAPE = /^\d+:[A-Za-z0-9_-]+$/;
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The Telegram channel, on grammy: updates arrive at `POST /webhooks/telegram` (grammy's fastify
 * integration, with the secret token Telegram sends in `X-Telegram-Bot-Api-Secret-Token`) or by
 * long polling for local development. Texts, photos, documents and other media become Inbound
 * messages, inline-keyboard presses (callback queries) become button payloads and are always
 * answered, `/start <token>` links a verified player. Replies are rendered by the shared renderer
 * into texts with inline keyboards, throttled per chat and for the whole bot; failures are thrown
 * as platform errors for the shared retry policy (grammy's auto-retry plugin is not used).
 */
export function createTelegramChannel(context: ChannelContext): ChannelAdapter | undefined {
  const settings = context.config.channels.telegram;
  if (!settings.enabled) return undefined;
  const token = context.env['TELEGRAM_BOT_TOKEN']?.trim() ?? '';
  if (token === '') {
    throw new CroupierError(
      'CROUPIER_CONFIG_INVALID',
      'channels.telegram is enabled but TELEGRAM_BOT_TOKEN is not set: put the token BotFather gave you in the environment',
    );
  }
  if (!TOKEN_SHAPE.test(token)) {
    throw new CroupierError(
      'CROUPIER_CONFIG_INVALID',
      'TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>, from BotFather)',
    );
  }
  const secret = context.env['TELEGRAM_WEBHOOK_SECRET']?.trim() ?? '';
  if (settings.mode === 'webhook') {
    if (secret === '') {
      throw new CroupierError(
        'CROUPIER_CONFIG_INVALID',
        "channels.telegram.mode is webhook but TELEGRAM_WEBHOOK_SECRET is not set: without it anyone could post updates in a player's name (use mode: polling for local development)",
      );
    }
    if (!SECRET_SHAPE.test(secret)) {
      throw new CroupierError(
        'CROUPIER_CONFIG_INVALID',
        'TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (a Telegram rule)',
      );
    }
  }

  const apiRoot = settings.apiRoot.replace(/\/+$/, '');
  const log = context.log.child({ channel: CHANNEL });
  const bot = new Bot(token, { client: { apiRoot, timeoutSeconds: 60 } });
  const throttle = new SendThrottle({ ...TELEGRAM_LIMITS, clock: context.clock });
  /** Pieces of a long reply already sent, so a retried send resumes instead of repeating them. */
  const progress = new Map<string, number>();
  /** Callback-query answers in flight (awaited on close). */
  const answering = new Set<Promise<void>>();
  let polling: Promise<void> | undefined;
  let closed = false;
  /** Polling ended without confirming the last update (see bot.catch): stop() must not confirm it either. */
  let unconfirmed = false;
  let wake: (() => void) | undefined;
  /** A wait that close() cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const safe = (error: unknown, method: string) => toPlatformError(error, method, token);
  /** Agents in Telegram (channels.telegram.agentGroup): the agents' forum group is theirs, never the player pipeline's. */
  const agentTopics = createAgentTopics({ context, api: bot.api, safe });

  let initialising: Promise<void> | undefined;
  /**
   * getMe, once, before the first update (grammy needs the bot's own user). Not `bot.init()`: it
   * retries network errors for up to 20 minutes, which would hold a webhook request open that long;
   * here a failure is a 502 at once and Telegram redelivers the update later.
   */
  const ensureInit = (): Promise<void> => {
    initialising ??= bot.api.getMe().then(
      (me) => {
        bot.botInfo = me;
      },
      (error: unknown) => {
        initialising = undefined;
        throw safe(error, 'getMe');
      },
    );
    return initialising;
  };

  const answer = (callbackQueryId: string) => {
    const task = bot.api
      .answerCallbackQuery(callbackQueryId)
      .then(() => undefined)
      .catch((error: unknown) => {
        // A redelivered query is "too old" to answer again; the first answer already stopped the spinner.
        const failure = safe(error, 'answerCallbackQuery');
        log.debug({ code: failure.code, reason: failure.message }, 'callback query not answered');
      });
    answering.add(task);
    void task.finally(() => answering.delete(task));
  };

  /** `/start <parameter>`: a player token links the account and never reaches the transcript. */
  const startWith = async (inbound: Inbound, parameter: string): Promise<Inbound> => {
    const now = context.clock.now();
    const read = readStartToken(parameter, context.secrets.playerTokenSecret, now);
    if (read.kind === 'other') return inbound;
    if (read.kind === 'player') {
      await linkVerifiedAccount(
        context.store.players,
        { channel: CHANNEL, userId: inbound.sender.userId },
        read.claims.sub,
        now,
        read.claims.name,
      );
      log.info('player token accepted; the Telegram account is linked to the verified player');
    } else {
      log.warn({ code: read.error.code, reason: read.error.message }, 'player token refused; continuing unverified');
    }
    return { ...inbound, text: '/start', raw: withoutStartParameter(inbound.raw) };
  };

  /** A `~hash` callback stands for a payload too long for callback_data: find it among recent buttons. */
  const resolvePayload = async (inbound: Inbound): Promise<Inbound | undefined> => {
    const conversation = await context.store.conversations.findByKey(CHANNEL, inbound.conversationKey);
    const entries = conversation ? await context.store.transcript.list(conversation.id, { limit: 50 }) : [];
    for (const entry of entries.reverse()) {
      const button = entry.buttons?.find((candidate) => callbackData(candidate.payload) === inbound.payload);
      if (button) return { ...inbound, payload: button.payload };
    }
    log.warn('a button press whose payload is no longer known; passed on as its label');
    const { payload: _unknown, ...rest } = inbound;
    return rest.text === undefined ? undefined : rest;
  };

  /** Every update, from the webhook or from polling: read it, store it durably, then acknowledge. */
  bot.use(async (ctx: Context) => {
    const parsed = updateShape.safeParse(ctx.update);
    if (!parsed.success) throw new CroupierError('CROUPIER_INPUT_INVALID', 'the body is not a Telegram Update (update_id missing)');
    if (agentTopics?.owns(parsed.data)) {
      await agentTopics.handle(parsed.data);
      return;
    }
    const read = readUpdate(parsed.data, context.clock.now());
    try {
      let inbound = read.inbound;
      if (inbound && read.startParameter !== undefined) inbound = await startWith(inbound, read.startParameter);
      if (inbound?.payload?.startsWith(HASHED_PREFIX)) inbound = await resolvePayload(inbound);
      if (!inbound) {
        log.debug({ update: parsed.data.update_id, reason: read.ignored ?? 'nothing to pass on' }, 'telegram update ignored');
        return;
      }
      const accepted = await context.accept(inbound);
      if (accepted.duplicate) log.debug({ update: parsed.data.update_id }, 'telegram update redelivered; already handled');
    } finally {
      // Always answered, or the player's client shows a spinner on the button.
      if (read.callbackQueryId !== undefined) answer(read.callbackQueryId);
    }
  });

  bot.catch((error) => {
    // Polling only (webhook errors go to the HTTP response). Never log the update: it is personal data.
    const cause = error instanceof BotError ? error.error : error;
    if (isCroupierError(cause, 'CROUPIER_PIPELINE_CLOSED')) {
      // Shutting down: end the polling loop here, without confirming this update to Telegram
      // (grammy confirms an offset on its next getUpdates, or in stop()), so the next start gets it.
      unconfirmed = true;
      log.info({ update: error.ctx.update.update_id }, 'telegram: shutting down; updates not taken yet come again on the next start');
      throw error;
    }
    const failure = isCroupierError(cause) ? cause : toCroupierError(cause, 'CROUPIER_PIPELINE_STAGE_FAILED');
    log.error({ code: failure.code, reason: redact(failure.message, token), update: error.ctx.update.update_id }, 'telegram update failed');
  });

  const sendText = async (chatId: string, outbound: Extract<Outbound, { kind: 'text' }>, entry?: TranscriptEntry) => {
    const pieces = render(outbound, telegramCapabilities);
    const key = entry ? `${entry.conversationId}:${entry.seq}` : undefined;
    let last: Message | undefined;
    for (let index = key ? (progress.get(key) ?? 0) : 0; index < pieces.length; index++) {
      const piece = pieces[index] as (typeof pieces)[number];
      await throttle.wait(chatId);
      try {
        last = await bot.api.sendMessage(
          chatId,
          piece.text,
          piece.options?.style === 'buttons' ? { reply_markup: inlineKeyboard(piece.options.buttons) } : {},
        );
      } catch (error) {
        if (key && index > 0) remember(progress, key, index);
        throw safe(error, 'sendMessage');
      }
    }
    if (key) progress.delete(key);
    return last;
  };

  const sendMedia = async (chatId: string, media: Extract<Outbound, { kind: 'media' }>['media']) => {
    const caption = media.caption !== undefined && media.caption.length <= CAPTION_MAX ? { caption: media.caption } : {};
    await throttle.wait(chatId);
    let sent: Message;
    try {
      if (media.kind === 'image') sent = await bot.api.sendPhoto(chatId, media.url, caption);
      else if (media.kind === 'audio') sent = await bot.api.sendAudio(chatId, media.url, caption);
      else if (media.kind === 'video') sent = await bot.api.sendVideo(chatId, media.url, caption);
      else sent = await bot.api.sendDocument(chatId, media.url, caption);
    } catch (error) {
      throw safe(error, `send ${media.kind}`);
    }
    // A caption too long for the media goes after it as text.
    if (media.caption !== undefined && !('caption' in caption)) {
      for (const piece of split(media.caption, telegramCapabilities.textMax)) {
        await throttle.wait(chatId);
        try {
          sent = await bot.api.sendMessage(chatId, piece);
        } catch (error) {
          throw safe(error, 'sendMessage');
        }
      }
    }
    return sent;
  };

  return {
    id: CHANNEL,
    capabilities: telegramCapabilities,

    async register(server: FastifyInstance) {
      if (settings.mode !== 'webhook') return;
      const handleUpdate = webhookCallback(bot, 'fastify', { secretToken: secret, onTimeout: 'throw', timeoutMilliseconds: 10_000 });
      server.post(
        WEBHOOK_PATH,
        {
          // Before the body is read: a wrong secret is a 401 whatever the body.
          onRequest: async (request) => {
            const given = request.headers[SECRET_HEADER];
            if (typeof given !== 'string' || !safeEqual(given, secret))
              throw unauthorized('missing or wrong X-Telegram-Bot-Api-Secret-Token');
          },
        },
        async (request, reply) => {
          if (!updateShape.safeParse(request.body).success) {
            throw new CroupierError('CROUPIER_INPUT_INVALID', 'the body is not a Telegram Update (update_id missing)');
          }
          await ensureInit();
          try {
            // Resolves once the update is durably accepted (or ignored); grammy then answers 200.
            await handleUpdate(request, reply);
          } catch (error) {
            const cause = error instanceof BotError ? error.error : error;
            throw isCroupierError(cause) ? cause : new CroupierError('CROUPIER_PIPELINE_STAGE_FAILED', redact(String(cause), token));
          }
          return reply;
        },
      );
    },

    async send(target: DeliveryTarget, outbound: Outbound, entry?: TranscriptEntry) {
      const chatId = target.conversationKey;
      if (outbound.kind === 'typing') {
        // "typing…" lasts 5 seconds or until the next message; there is no "stop". Not worth a retry.
        if (outbound.on) {
          await bot.api.sendChatAction(chatId, 'typing').catch((error: unknown) => {
            const failure = safe(error, 'sendChatAction');
            log.debug({ code: failure.code, reason: failure.message }, 'typing indicator not shown');
          });
        }
        return;
      }
      const sent = outbound.kind === 'text' ? await sendText(chatId, outbound, entry) : await sendMedia(chatId, outbound.media);
      return sent ? { platformMessageId: `${sent.chat.id}:${sent.message_id}` } : undefined;
    },

    async start() {
      agentTopics?.start();
      if (settings.mode !== 'polling') return;
      // In the background: start() must not block the server, and the Bot API may be unreachable.
      polling = (async () => {
        for (let attempt = 0; !closed; attempt++) {
          try {
            await ensureInit();
            break;
          } catch (error) {
            const failure = error as CroupierError;
            // A wrong token will not get better.
            if (failure.details['status'] === 401) throw failure;
            const delayMs = Math.min(60_000, 1000 * 2 ** attempt);
            log.warn({ code: failure.code, reason: failure.message, delayMs }, 'telegram: cannot reach the Bot API; retrying');
            await pause(delayMs);
          }
        }
        if (closed) return;
        await bot.start({
          allowed_updates: [...ALLOWED_UPDATES],
          onStart: () => log.info('telegram: long polling started'),
        });
      })().catch((error: unknown) => {
        if (unconfirmed) return;
        const failure = isCroupierError(error) ? error : safe(error, 'getUpdates');
        log.error(
          { code: failure.code, reason: failure.message },
          'telegram: long polling stopped (check TELEGRAM_BOT_TOKEN and that no webhook or other instance uses this bot)',
        );
      });
    },

    describe() {
      const agents = settings.agentGroup.enabled
        ? [
            `telegram: agents answer in forum topics of the group ${settings.agentGroup.chatId} (the bot must be an admin there with "Manage topics")`,
          ]
        : [];
      if (settings.mode === 'polling') {
        return [
          `telegram: live, long polling ${apiRoot} (local development: no public URL needed; a webhook set for this bot is removed on start)`,
          ...agents,
        ];
      }
      const url = `${context.publicUrl()}${WEBHOOK_PATH}`;
      return [
        `telegram: live, webhook ${url}`,
        ...(url.startsWith('https://')
          ? []
          : ['telegram: Telegram only calls HTTPS webhooks (ports 443, 80, 88, 8443): set server.publicUrl']),
        `telegram: register it once: curl -sS "${apiRoot}/bot$TELEGRAM_BOT_TOKEN/setWebhook" -d url=${url} -d secret_token=$TELEGRAM_WEBHOOK_SECRET -d 'allowed_updates=${JSON.stringify(ALLOWED_UPDATES)}'`,
        ...agents,
      ];
    },

    async close() {
      closed = true;
      wake?.();
      if (bot.isRunning() && !unconfirmed)
        await withDeadline(
          bot.stop().catch(() => undefined),
          5_000,
        );
      await withDeadline(polling ?? Promise.resolve(), 5_000);
      await Promise.allSettled([...answering]);
      if (agentTopics) await withDeadline(agentTopics.close(), 5_000);
    },
  };
}

function remember(progress: Map<string, number>, key: string, index: number): void {
  progress.set(key, index);
  if (progress.size > 1_000) {
    const oldest = progress.keys().next().value;
    if (oldest !== undefined) progress.delete(oldest);
  }
}

/** The update with the `/start` parameter (a player token) taken out, for the transcript and the inbox. */
function withoutStartParameter(raw: unknown): unknown {
  const copy = structuredClone(raw) as { message?: { text?: unknown; entities?: unknown } };
  if (copy.message && typeof copy.message.text === 'string') copy.message.text = '/start [player token]';
  return copy;
}

async function withDeadline(task: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([task, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  clearTimeout(timer);
}
