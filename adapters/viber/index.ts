import type { FastifyInstance } from 'fastify';
import { CroupierError } from '../../src/core/errors.js';
import type { Inbound, Outbound } from '../../src/core/message.js';
import type { ChannelAdapter, ChannelContext } from '../../src/server/channel.js';
import { rawJsonBodies, verifyHmac } from '../../src/server/webhook.js';
import { CHANNEL, TOKEN_VARIABLE, ViberApi, exactId, parseViberJson } from './api.js';
import { conversationStartedCallback, eventTime, messageCallback, messageToInbound, rawOf, validate } from './callbacks.js';
import { toViberMessages, viberCapabilities, type ViberMessage } from './render.js';

export { viberCapabilities } from './render.js';

export const WEBHOOK_PATH = '/webhooks/viber';

/**
 * The payload a `conversation_started` turns into: the shipped `greeting` flow, so the welcome
 * message is the content team's greeting with its menu, in the player's language.
 */
export const WELCOME_PAYLOAD = 'flow:greeting';

/** Callbacks are a few kilobytes; anything far larger is refused with 413 before it is read. */
const BODY_LIMIT = 128 * 1024;

/** The welcome collected while a conversation_started turn runs, answered in the HTTP response. */
interface WelcomeCapture {
  readonly messages: ViberMessage[];
  users: number;
}

/**
 * Viber through its REST API, called directly: `POST /webhooks/viber` receives the callbacks
 * (signature checked on the raw bytes, 64-bit tokens kept exact), replies go out through
 * `<apiUrl>/send_message`. Register the webhook with `croupier viber set-webhook <url>`.
 */
export function createViberChannel(context: ChannelContext): ChannelAdapter | undefined {
  const settings = context.config.channels.viber;
  if (!settings.enabled) return undefined;
  const token = context.env[TOKEN_VARIABLE]?.trim();
  if (!token) {
    throw new CroupierError(
      'CROUPIER_CONFIG_INVALID',
      `channels.viber is enabled but ${TOKEN_VARIABLE} is not set: put the bot's authentication token (Viber: More → Settings → Bots → Edit Info → Your app key) in that environment variable, or disable the channel`,
    );
  }
  const api = new ViberApi({ apiUrl: settings.apiUrl, token });
  const sender = { name: settings.botName, ...(settings.avatar ? { avatar: settings.avatar } : {}) };
  const log = context.log.child({ channel: CHANNEL });
  const welcomes = new Map<string, WelcomeCapture>();
  // Pieces of one Outbound already sent, so a retry after a failed second piece does not repeat the first.
  const progress = new WeakMap<Outbound, number>();

  /**
   * conversation_started: the player opened the chat and is not necessarily subscribed, so Viber
   * allows exactly one message, and only as this HTTP response. The greeting runs through the
   * pipeline like any turn (language, transcript, rate limit); its replies are caught by `send`
   * and returned here instead of going to send_message.
   */
  const welcome = async (body: unknown): Promise<Record<string, unknown> | undefined> => {
    const callback = validate(conversationStartedCallback, body);
    const key = callback.user.id;
    const inbound: Inbound = {
      platformMessageId: callback.message_token,
      channel: CHANNEL,
      conversationKey: key,
      sender: {
        channel: CHANNEL,
        userId: key,
        ...(callback.user.name ? { displayName: callback.user.name } : {}),
        ...(callback.user.language ? { localeHint: callback.user.language } : {}),
      },
      payload: WELCOME_PAYLOAD,
      attachments: [],
      receivedAt: eventTime(callback.timestamp, context.clock.now()),
      raw: rawOf(body, callback.message_token),
    };
    let capture = welcomes.get(key);
    if (capture) capture.users += 1;
    else welcomes.set(key, (capture = { messages: [], users: 1 }));
    try {
      const result = await context.handle(inbound);
      if (result.duplicate) log.debug('conversation_started delivered again');
    } finally {
      capture.users -= 1;
      if (capture.users === 0) welcomes.delete(key);
    }
    return welcomeBody(capture.messages);
  };

  /** One message, as Viber allows: the greeting's pieces joined when they fit, with the last keyboard. */
  const welcomeBody = (messages: readonly ViberMessage[]): Record<string, unknown> | undefined => {
    const texts = messages.filter((m) => m.type === 'text');
    if (texts.length === 0) return undefined;
    const joined = texts.map((m) => m.text).join('\n\n');
    const withKeyboard = [...texts].reverse().find((m) => m.keyboard !== undefined);
    const text = joined.length <= viberCapabilities.textMax ? joined : (texts[0]?.text ?? joined.slice(0, viberCapabilities.textMax));
    return {
      sender,
      type: 'text',
      text,
      ...(withKeyboard?.keyboard ? { keyboard: withKeyboard.keyboard } : {}),
      ...(withKeyboard?.tracking_data ? { tracking_data: withKeyboard.tracking_data } : {}),
    };
  };

  /**
   * delivered / seen / failed: a `message.status` event for the KPIs (never answered), once per
   * message and status, since Viber retries callbacks like messages.
   */
  const recordStatus = async (event: 'delivered' | 'seen' | 'failed', body: Record<string, unknown>): Promise<void> => {
    const messageToken = exactId(body['message_token']);
    if (messageToken === undefined) throw new CroupierError('CROUPIER_INPUT_INVALID', 'message_token must be an unsigned integer');
    const userId = typeof body['user_id'] === 'string' && body['user_id'] !== '' ? body['user_id'] : undefined;
    const at = eventTime(body['timestamp'], context.clock.now());
    const { store } = context;
    if (!(await store.receipts.claim(CHANNEL, `status:${messageToken}:${event}`, at))) return;
    const conversation = userId ? await store.conversations.findByKey(CHANNEL, userId) : undefined;
    const status = event === 'seen' ? 'read' : event;
    const description = typeof body['desc'] === 'string' ? body['desc'].slice(0, 200) : undefined;
    await store.events.append({
      type: 'message.status',
      at,
      ...(conversation ? { conversationId: conversation.id, playerId: conversation.playerId } : {}),
      data: { channel: CHANNEL, platformMessageId: messageToken, status, ...(description ? { description } : {}) },
    });
    await store.durable();
    if (event === 'failed') log.warn({ conversationId: conversation?.id, messageToken, description }, 'Viber could not deliver a message');
  };

  const onCallback = async (body: unknown): Promise<Record<string, unknown> | undefined> => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new CroupierError('CROUPIER_INPUT_INVALID', 'a Viber callback is a JSON object');
    }
    const event = (body as { event?: unknown }).event;
    if (typeof event !== 'string') throw new CroupierError('CROUPIER_INPUT_INVALID', 'event: expected a string');
    switch (event) {
      case 'webhook':
        // Viber's availability check after set_webhook: a 200 is the whole answer.
        log.info('webhook check from Viber answered');
        return undefined;
      case 'message': {
        const callback = validate(messageCallback, body);
        const inbound = messageToInbound(callback, rawOf(body, callback.message_token), context.clock.now());
        // Acknowledged only once durably stored; a redelivery comes back as a duplicate and is dropped.
        const accepted = await context.accept(inbound);
        if (accepted.duplicate) log.debug('message delivered again; ignored');
        return undefined;
      }
      case 'conversation_started':
        return welcome(body);
      case 'subscribed':
      case 'unsubscribed':
        log.info({ event }, 'player subscription changed');
        return undefined;
      case 'delivered':
      case 'seen':
      case 'failed':
        await recordStatus(event, body as Record<string, unknown>);
        return undefined;
      default:
        // Events Viber may add later (client_status, action…): acknowledged so Viber does not retry.
        log.debug({ event }, 'Viber event ignored');
        return undefined;
    }
  };

  return {
    id: CHANNEL,
    capabilities: viberCapabilities,

    async register(server: FastifyInstance) {
      await server.register(async (scope) => {
        rawJsonBodies(scope, Math.min(BODY_LIMIT, context.config.server.bodyLimitBytes));
        // Viber sends application/json; any other type is still read as bytes and judged by its signature.
        scope.addContentTypeParser(
          '*',
          { parseAs: 'buffer', bodyLimit: Math.min(BODY_LIMIT, context.config.server.bodyLimitBytes) },
          (_request, body, done) => done(null, body),
        );
        scope.post(WEBHOOK_PATH, async (request, reply) => {
          const raw = Buffer.isBuffer(request.body)
            ? request.body
            : typeof request.body === 'string'
              ? Buffer.from(request.body, 'utf8')
              : Buffer.alloc(0);
          verifyHmac('sha256', token, raw, request.headers['x-viber-content-signature'], 'hex');
          const answer = await onCallback(parseViberJson(raw));
          return answer === undefined ? reply.status(200).send() : reply.status(200).send(answer);
        });
      });
    },

    async send(target, outbound) {
      // Viber's REST API has no typing indicator.
      if (outbound.kind === 'typing') return;
      const messages = toViberMessages(outbound);
      const capture = welcomes.get(target.conversationKey);
      if (capture && outbound.author !== 'agent') {
        capture.messages.push(...messages);
        return;
      }
      let lastToken: string | undefined;
      for (let index = progress.get(outbound) ?? 0; index < messages.length; index++) {
        const message = messages[index] as ViberMessage;
        lastToken = await api.sendMessage({ receiver: target.conversationKey, min_api_version: 1, sender, ...message });
        progress.set(outbound, index + 1);
      }
      return lastToken === undefined ? undefined : { platformMessageId: lastToken };
    },

    describe() {
      const url = `${context.publicUrl()}${WEBHOOK_PATH}`;
      const lines = [
        `viber: bot "${settings.botName}", webhook POST ${url}; register it once the server is reachable: croupier viber set-webhook ${url}`,
      ];
      if (!url.startsWith('https://')) {
        lines.push('viber: Viber calls only https URLs with a trusted certificate: set server.publicUrl (or CROUPIER_PUBLIC_URL)');
      }
      return lines;
    },
  };
}
