import type { FastifyInstance } from 'fastify';
import { isRetryable } from '../../src/core/delivery.js';
import { CroupierError } from '../../src/core/errors.js';
import type { Inbound, Outbound } from '../../src/core/message.js';
import type { DeliveryTarget } from '../../src/core/stages/deliver.js';
import type { ChannelAdapter, ChannelContext } from '../../src/server/channel.js';
import { parseJson, rawJsonBodies, safeEqual, verifyHmac } from '../../src/server/webhook.js';
import type { TranscriptEntry } from '../../src/store/store.js';
import { GraphClient, OUTSIDE_WINDOW, WindowClosed } from './graph.js';
import { isIndexedOptionId, LIST_BUTTON_LABELS, optionFromId, toGraphMessages, whatsappCloudCapabilities } from './render.js';
import { CHANNEL, fromUnixSeconds, readNotification, toInbound, type WhatsAppMessage, type WhatsAppStatus } from './webhook.js';
import { ServiceWindow } from './window.js';

export { whatsappCloudCapabilities } from './render.js';

export const WEBHOOK_PATH = '/webhooks/whatsapp';
const ENV = { token: 'WHATSAPP_CLOUD_TOKEN', appSecret: 'WHATSAPP_APP_SECRET', verifyToken: 'WHATSAPP_VERIFY_TOKEN' } as const;
/** Sends of one multi-part reply in progress, so a retry resumes after the parts already sent. */
const PROGRESS_MAX = 10_000;

/**
 * The WhatsApp Cloud API channel (Meta's hosted WhatsApp Business Platform):
 * `GET /webhooks/whatsapp` answers Meta's verification challenge, `POST /webhooks/whatsapp` takes
 * signed notifications (X-Hub-Signature-256 over the raw body) and acknowledges them only once
 * every message in the batch is durably accepted; delivery statuses are recorded as
 * `message.status` events and never answered. Replies go to `POST /{version}/{phone-number-id}/messages`
 * as text, reply buttons (≤ 3) or a list (≤ 10 rows), and respect the 24-hour customer-service
 * window: outside it, the configured template invites the player back, or the send fails with
 * CROUPIER_PLATFORM_WINDOW_CLOSED for the agent to see.
 */
export function createWhatsAppCloudChannel(context: ChannelContext): ChannelAdapter | undefined {
  const settings = context.config.channels['whatsapp-cloud'];
  if (!settings.enabled) return undefined;
  const missing = Object.values(ENV).filter((name) => (context.env[name] ?? '').trim() === '');
  if (missing.length > 0) {
    throw new CroupierError(
      'CROUPIER_CONFIG_INVALID',
      `channels.whatsapp-cloud is enabled but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: ` +
        'set the access token, the app secret and the webhook verify token in the environment (see README "WhatsApp Cloud API")',
      { details: { channel: CHANNEL, missing } },
    );
  }
  if (settings.phoneNumberId.trim() === '') {
    throw new CroupierError(
      'CROUPIER_CONFIG_INVALID',
      'channels.whatsapp-cloud is enabled but channels.whatsapp-cloud.phoneNumberId is empty: copy the phone number id from the Meta app (WhatsApp → API Setup)',
      { details: { channel: CHANNEL } },
    );
  }
  const env = (name: string) => (context.env[name] ?? '').trim();
  const appSecret = env(ENV.appSecret);
  const verifyToken = env(ENV.verifyToken);
  const graph = new GraphClient({
    graphUrl: settings.graphUrl,
    apiVersion: settings.apiVersion,
    phoneNumberId: settings.phoneNumberId,
    token: env(ENV.token),
    now: () => context.clock.now(),
  });
  const log = context.log.child({ channel: CHANNEL });
  const window = new ServiceWindow(context.store.transcript, context.clock);
  const progress = new Map<string, number>();
  const background = new Set<Promise<void>>();
  const { store } = context;

  /** Replies from a list or buttons sent with indexed ids carry "croupier-option:<n>": back to the payload. */
  const resolveOption = async (inbound: Inbound, wa: WhatsAppMessage): Promise<Inbound> => {
    if (inbound.payload === undefined || !isIndexedOptionId(inbound.payload)) return inbound;
    const conversation = await store.conversations.findByKey(CHANNEL, inbound.conversationKey);
    if (!conversation) return inbound;
    const entries = await store.transcript.list(conversation.id, { limit: 50 });
    const repliedTo = wa.context?.id === undefined ? undefined : entries.find((entry) => entry.platformMessageId === wa.context?.id);
    const offered = repliedTo ?? entries.findLast((entry) => entry.direction === 'out' && (entry.buttons?.length ?? 0) > 0);
    return { ...inbound, payload: optionFromId(inbound.payload, offered?.buttons) };
  };

  const recordStatus = async (status: WhatsAppStatus, now: Date): Promise<void> => {
    const at = fromUnixSeconds(status.timestamp, now);
    // Meta delivers statuses at least once, like messages: one event per (message, status).
    const first = await store.receipts.claim(CHANNEL, `status:${status.id}:${status.status}`, at);
    if (!first) return;
    const conversation = status.recipient_id ? await store.conversations.findByKey(CHANNEL, status.recipient_id) : undefined;
    const error = status.errors?.[0];
    await store.events.append({
      type: 'message.status',
      at,
      ...(conversation ? { conversationId: conversation.id, playerId: conversation.playerId } : {}),
      data: {
        channel: CHANNEL,
        wamid: status.id,
        status: status.status,
        ...(error ? { errorCode: error.code, ...(error.title ? { errorTitle: error.title } : {}) } : {}),
      },
    });
    if (status.status === 'failed') {
      log.warn({ conversationId: conversation?.id, errorCode: error?.code, errorTitle: error?.title }, 'WhatsApp reports a message failed');
    }
    if (status.status === 'failed' && error?.code === OUTSIDE_WINDOW && status.recipient_id) {
      // Accepted by Graph, then refused: the window had closed. Invite the player back, once.
      const key = status.recipient_id;
      window.noteRefused(key);
      if (settings.template) track(reengage(key, conversation?.id ?? '', undefined).then(() => undefined));
    }
  };

  const track = (task: Promise<void>) => {
    const guarded = task.catch((error: unknown) =>
      log.error({ err: error, code: codeOf(error) }, 'could not send the re-engagement template'),
    );
    background.add(guarded);
    void guarded.finally(() => background.delete(guarded));
  };

  /** Sends the configured template if none went out since the player's last message; its wamid, or undefined. */
  const reengage = async (key: string, conversationId: string, entry: TranscriptEntry | undefined): Promise<string | undefined> => {
    const template = settings.template;
    if (!template || (await window.templateSent(key, conversationId))) return undefined;
    let wamid: string | undefined;
    try {
      wamid = await graph.send(key, { type: 'template', template: { name: template.name, language: { code: template.language } } });
    } catch (error) {
      if (error instanceof WindowClosed)
        throw new CroupierError('CROUPIER_PLATFORM_API', `${CHANNEL}: ${error.message}`, {
          details: { channel: CHANNEL, retryable: false },
        });
      throw error;
    }
    window.noteTemplate(key);
    log.info({ conversationId, template: template.name }, 'outside the 24-hour window: sent the re-engagement template');
    await store.events.append({
      type: 'message.sent',
      at: context.clock.now(),
      ...(conversationId ? { conversationId } : {}),
      data: {
        channel: CHANNEL,
        template: template.name,
        reason: 'outside_24h_window',
        ...(wamid ? { wamid } : {}),
        ...(entry ? { replaces: entry.seq } : {}),
      },
    });
    return wamid ?? '';
  };

  /** The window is closed: send the template (once) and fail this message with a code the agent sees. */
  const outsideWindow = async (target: DeliveryTarget, entry: TranscriptEntry | undefined, why: string): Promise<never> => {
    const templateWamid = await reengage(target.conversationKey, target.conversationId, entry);
    const template = settings.template;
    const message =
      templateWamid !== undefined
        ? `the template "${template?.name ?? ''}" was sent to invite the player back; resend this message once they reply`
        : template
          ? `the template "${template.name}" was already sent; waiting for the player to reply`
          : 'the player has to write first (or configure channels.whatsapp-cloud.template to invite them back)';
    throw new CroupierError(
      'CROUPIER_PLATFORM_WINDOW_CLOSED',
      `${CHANNEL}: outside the 24-hour customer-service window (${why}): ${message}`,
      {
        details: { channel: CHANNEL, retryable: false, templateSent: templateWamid !== undefined },
      },
    );
  };

  const listButtonLabel = async (conversationId: string): Promise<string> => {
    const language = conversationId === '' ? undefined : (await store.conversations.get(conversationId))?.language;
    return LIST_BUTTON_LABELS[language ?? ''] ?? '☰ Menu';
  };

  return {
    id: CHANNEL,
    capabilities: whatsappCloudCapabilities,

    async register(server: FastifyInstance) {
      server.get(WEBHOOK_PATH, async (request, reply) => {
        const query = request.query as Record<string, unknown>;
        const mode = query['hub.mode'];
        const token = query['hub.verify_token'];
        const challenge = query['hub.challenge'];
        if (typeof mode !== 'string' || typeof token !== 'string' || typeof challenge !== 'string' || !/^[\w.~-]{1,256}$/.test(challenge)) {
          throw new CroupierError('CROUPIER_INPUT_INVALID', 'expected hub.mode, hub.verify_token and hub.challenge');
        }
        if (mode !== 'subscribe' || !safeEqual(token, verifyToken)) {
          log.warn('webhook verification refused: the verify token does not match WHATSAPP_VERIFY_TOKEN');
          return reply.status(403).send({
            error: { code: 'CROUPIER_INPUT_UNAUTHORIZED', message: 'hub.verify_token does not match this server’s verify token' },
          });
        }
        log.info('webhook verified by Meta');
        return reply.type('text/plain; charset=utf-8').send(challenge);
      });

      await server.register(async (scope) => {
        rawJsonBodies(scope);
        scope.post(WEBHOOK_PATH, async (request, reply) => {
          const body = request.body;
          if (!Buffer.isBuffer(body)) throw new CroupierError('CROUPIER_INPUT_INVALID', 'send the notification as application/json');
          verifyHmac('sha256', appSecret, body, request.headers['x-hub-signature-256'], 'hex', 'sha256=');
          const changes = readNotification(parseJson(body));
          const now = context.clock.now();
          let accepted = 0;
          let duplicates = 0;
          let statuses = 0;
          for (const change of changes) {
            if (change.phoneNumberId !== settings.phoneNumberId) {
              // Another number of the same business account: not ours to answer.
              log.info(
                { messages: change.messages.length, statuses: change.statuses.length },
                'notification for another phone number id ignored',
              );
              continue;
            }
            for (const wa of change.messages) {
              const parsed = toInbound(wa, change.contacts, change.phoneNumberId, now);
              if (!parsed) continue;
              const inbound = await resolveOption(parsed, wa);
              window.noteInbound(inbound.conversationKey, inbound.receivedAt);
              // Acknowledged only once every message is durably in the inbox: a crash before the
              // 200 makes Meta redeliver, and the redelivery is dropped by its wamid.
              const result = await context.accept(inbound);
              if (result.duplicate) duplicates++;
              else accepted++;
            }
            for (const status of change.statuses) {
              await recordStatus(status, now);
              statuses++;
            }
          }
          await store.durable();
          log.debug({ accepted, duplicates, statuses }, 'notification accepted');
          return reply.status(200).send({ received: true });
        });
      });
    },

    async send(target: DeliveryTarget, outbound: Outbound, entry?: TranscriptEntry) {
      // The Cloud API's typing indicator needs the id of the message being answered; none here.
      if (outbound.kind === 'typing') return;
      const key = target.conversationKey;
      if (!(await window.isOpen(key, target.conversationId))) {
        return outsideWindow(target, entry, 'no message from the player in the last 24 hours');
      }
      const hasOptions = outbound.kind === 'text' && (outbound.buttons?.length ?? 0) > 0;
      const messages = toGraphMessages(outbound, hasOptions ? await listButtonLabel(target.conversationId) : '');
      const progressKey = entry ? `${entry.conversationId}:${entry.seq}` : undefined;
      let next = progressKey ? (progress.get(progressKey) ?? 0) : 0;
      let wamid: string | undefined;
      try {
        for (; next < messages.length; next++) {
          const message = messages[next];
          if (message) wamid = await graph.send(key, message);
          if (progressKey) {
            progress.delete(progressKey);
            progress.set(progressKey, next + 1);
            if (progress.size > PROGRESS_MAX) progress.delete(progress.keys().next().value ?? '');
          }
        }
      } catch (error) {
        if (progressKey && !isRetryable(error)) progress.delete(progressKey);
        if (error instanceof WindowClosed) {
          window.noteRefused(key);
          return outsideWindow(target, entry, 'Graph refused it with code 131047');
        }
        throw error;
      }
      if (progressKey) progress.delete(progressKey);
      return wamid === undefined ? {} : { platformMessageId: wamid };
    },

    describe() {
      const template = settings.template ? `template "${settings.template.name}" (${settings.template.language})` : 'no template';
      return [
        `whatsapp-cloud: register the webhook ${context.publicUrl()}${WEBHOOK_PATH} in the Meta app (WhatsApp → Configuration), ` +
          `verify token = the value of ${ENV.verifyToken}, and subscribe to the "messages" field`,
        `whatsapp-cloud: sending as phone number id ${settings.phoneNumberId} through ${settings.graphUrl.replace(/\/+$/, '')}/${settings.apiVersion}; ` +
          `outside the 24-hour window: ${template}`,
      ];
    },

    async close() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

function codeOf(error: unknown): string {
  return error instanceof CroupierError ? error.code : 'CROUPIER_PLATFORM_API';
}
