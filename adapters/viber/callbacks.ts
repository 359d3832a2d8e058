import { z } from 'zod';
import { CroupierError } from '../../src/core/errors.js';
import type { Attachment, Inbound } from '../../src/core/message.js';
import { CHANNEL, exactId } from './api.js';
import { labelFrom, payloadFrom } from './render.js';

/**
 * Viber's callbacks, as documented (https://developers.viber.com/docs/api/rest-bot-api/#callbacks).
 * The body has been parsed losslessly: `message_token` arrives as a number when it fits a double
 * exactly and as its exact digit string otherwise; both become the exact string here.
 */
const token = z.unknown().transform((value, ctx) => {
  const id = exactId(value);
  if (id === undefined) {
    ctx.addIssue({ code: 'custom', message: 'message_token must be an unsigned integer' });
    return z.NEVER;
  }
  return id;
});

const userId = z.string().min(1).max(128);

const user = z
  .object({
    id: userId,
    name: z.string().max(256).optional(),
    language: z.string().max(35).optional(),
    country: z.string().max(8).optional(),
  })
  .loose();

const timestamp = z.unknown().optional();

const message = z
  .object({
    type: z.string().min(1).max(32),
    text: z.string().max(32_000).optional(),
    media: z.string().max(4096).optional(),
    file_name: z.string().max(512).optional(),
    sticker_id: z.unknown().optional(),
    location: z.object({ lat: z.coerce.number(), lon: z.coerce.number() }).loose().optional(),
    contact: z.object({ name: z.string().optional(), phone_number: z.string().optional() }).loose().optional(),
    tracking_data: z.string().max(4096).optional(),
  })
  .loose();

export const messageCallback = z.object({ event: z.literal('message'), timestamp, message_token: token, sender: user, message }).loose();

export const conversationStartedCallback = z
  .object({
    event: z.literal('conversation_started'),
    timestamp,
    message_token: token,
    user,
    type: z.string().optional(),
    context: z.string().max(512).optional(),
    subscribed: z.boolean().optional(),
  })
  .loose();

export type MessageCallback = z.output<typeof messageCallback>;
export type ConversationStartedCallback = z.output<typeof conversationStartedCallback>;

/** Validates a callback, turning a wrong shape into a coded 400 that names the field. */
export function validate<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CroupierError(
      'CROUPIER_INPUT_INVALID',
      issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'not a Viber callback',
    );
  }
  return parsed.data;
}

/** When Viber says the event happened (epoch milliseconds), else now. */
export function eventTime(value: unknown, now: Date): Date {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  const at = new Date(ms);
  return Number.isFinite(ms) && ms > 0 && !Number.isNaN(at.getTime()) ? at : now;
}

/** The body kept as `raw`: as received, with the 64-bit token as its exact string. */
export function rawOf(body: unknown, messageToken: string): Record<string, unknown> {
  return { ...(body as Record<string, unknown>), message_token: messageToken };
}

/** A player's message as an Inbound: text, a pressed button's payload (label kept as text), or an attachment. */
export function messageToInbound(callback: MessageCallback, raw: Record<string, unknown>, now: Date): Inbound {
  const { sender, message: m } = callback;
  const attachments: Attachment[] = [];
  let text = m.text;
  let payload: string | undefined;
  switch (m.type) {
    case 'text': {
      payload = payloadFrom(m.text);
      // A pressed button: its payload drives the bot; the label it showed is what the player "said".
      if (payload !== undefined) text = labelFrom(m.tracking_data, payload);
      break;
    }
    case 'picture':
      attachments.push(media('image', m));
      break;
    case 'video':
      attachments.push(media('video', m));
      break;
    case 'file':
      attachments.push(media('document', m));
      break;
    case 'sticker':
      attachments.push({
        kind: 'sticker',
        ...(typeof m.sticker_id === 'number' || typeof m.sticker_id === 'string' ? { platformFileId: String(m.sticker_id) } : {}),
      });
      break;
    case 'location':
      attachments.push({
        kind: 'location',
        ...(m.location ? { url: `geo:${m.location.lat},${m.location.lon}` } : {}),
      });
      break;
    case 'url':
      // A shared link: what the player sent is the link itself.
      text = m.media ?? m.text;
      break;
    default:
      // contact, rich media and whatever Viber adds later: kept, described as "other".
      attachments.push({ kind: 'other', ...(m.media ? { url: m.media } : {}) });
  }
  return {
    platformMessageId: callback.message_token,
    channel: CHANNEL,
    conversationKey: sender.id,
    sender: {
      channel: CHANNEL,
      userId: sender.id,
      ...(sender.name ? { displayName: sender.name } : {}),
      ...(sender.language ? { localeHint: sender.language } : {}),
    },
    ...(text !== undefined && text !== '' ? { text } : {}),
    ...(payload !== undefined ? { payload } : {}),
    attachments,
    receivedAt: eventTime(callback.timestamp, now),
    raw,
  };
}

function media(kind: 'image' | 'video' | 'document', m: MessageCallback['message']): Attachment {
  return {
    kind,
    ...(m.media ? { url: m.media } : {}),
    ...(m.file_name ? { fileName: m.file_name } : {}),
    ...(m.text ? { caption: m.text } : {}),
  };
}
