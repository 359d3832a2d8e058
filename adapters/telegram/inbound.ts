import { z } from 'zod';
import type { Attachment, Inbound } from '../../src/core/message.js';

export const CHANNEL = 'telegram';

/**
 * What a bare `/start` (or `/start <parameter>`) means: the player opened or restarted the bot, so
 * it starts the greeting flow (a content without one falls back to the bot's menu).
 */
export const START_PAYLOAD = 'flow:greeting';

// The parts of the Bot API's Update (https://core.telegram.org/bots/api#update) this adapter reads.
// Loose objects: Telegram adds fields all the time, and the untouched update stays in `raw`.
const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  language_code: z.string().optional(),
});
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const file = z.looseObject({ file_id: z.string(), file_name: z.string().optional(), mime_type: z.string().optional() });
const photoSize = z.looseObject({ file_id: z.string(), width: z.number().optional(), height: z.number().optional() });
const inlineButton = z.looseObject({ text: z.string(), callback_data: z.string().optional() });
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(photoSize).optional(),
  document: file.optional(),
  voice: file.optional(),
  audio: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  animation: file.optional(),
  sticker: z.looseObject({ file_id: z.string(), emoji: z.string().optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z.looseObject({ phone_number: z.string() }).optional(),
  reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(inlineButton)).optional() }).optional(),
});
const callbackQuery = z.looseObject({
  id: z.string(),
  from: user,
  message: z.looseObject({ message_id: z.number().int().optional(), chat, reply_markup: message.shape.reply_markup }).optional(),
  data: z.string().optional(),
});
/** Only `update_id` is required: every other kind of update is acknowledged and ignored. */
export const updateShape = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: z.unknown().optional(),
  callback_query: z.unknown().optional(),
});

export type TelegramUpdate = z.infer<typeof updateShape>;

/** An update, read. `inbound` is absent when the update is acknowledged and ignored. */
export interface ReadUpdate {
  readonly inbound?: Inbound;
  /** Why the update was ignored (for the debug log). */
  readonly ignored?: string;
  /** A callback query to answer, whatever else happens (the player's client shows a spinner until then). */
  readonly callbackQueryId?: string;
  /** The parameter of `/start <parameter>`, for the adapter to check for a player token. */
  readonly startParameter?: string;
}

/**
 * Turns a Telegram update into an Inbound. Only private chats with a person are served: a support
 * bot shows account data, which must never reach a group. Messages get the id `<chat>:<message_id>`
 * (unique per chat forever, unlike update_id, which Telegram may restart), callback queries
 * `callback:<id>`; a redelivered update keeps them and is dropped by the pipeline's dedupe.
 */
export function readUpdate(update: TelegramUpdate, receivedAt: Date): ReadUpdate {
  if (update.callback_query !== undefined) return readCallbackQuery(update, receivedAt);
  if (update.message === undefined) return { ignored: `unsupported update (${updateKind(update)})` };
  const parsed = message.safeParse(update.message);
  if (!parsed.success) return { ignored: 'a message this adapter cannot read' };
  const msg = parsed.data;
  if (msg.chat.type !== 'private') return { ignored: `a ${msg.chat.type} chat (only private chats are served)` };
  if (!msg.from || msg.from.is_bot === true) return { ignored: 'a message without a human sender' };

  const attachments = attachmentsOf(msg);
  const start = msg.text === undefined ? null : START.exec(msg.text);
  const text = msg.text ?? msg.caption;
  if (text === undefined && attachments.length === 0) return { ignored: 'a service message or unsupported content' };

  const inbound: Inbound = {
    platformMessageId: `${msg.chat.id}:${msg.message_id}`,
    channel: CHANNEL,
    conversationKey: String(msg.chat.id),
    sender: sender(msg.from),
    ...(start ? { text: start[1] ? `/start ${start[1]}` : '/start', payload: START_PAYLOAD } : text === undefined ? {} : { text }),
    attachments,
    receivedAt: Number.isFinite(msg.date) && msg.date > 0 ? new Date(msg.date * 1000) : receivedAt,
    raw: update,
  };
  return { inbound, ...(start?.[1] ? { startParameter: start[1] } : {}) };
}

/** `/start`, `/start@RoyalAceBot`, `/start <parameter>`. */
const START = /^\/start(?:@[A-Za-z0-9_]+)?(?:\s+(\S[\s\S]*?))?\s*$/;

function readCallbackQuery(update: TelegramUpdate, receivedAt: Date): ReadUpdate {
  const parsed = callbackQuery.safeParse(update.callback_query);
  if (!parsed.success) return { ignored: 'a callback query this adapter cannot read' };
  const query = parsed.data;
  const answer = { callbackQueryId: query.id };
  if (query.message && query.message.chat.type !== 'private') return { ...answer, ignored: 'a button in a non-private chat' };
  if (query.from.is_bot === true) return { ...answer, ignored: 'a callback query from a bot' };
  if (query.data === undefined || query.data === '') return { ...answer, ignored: 'a callback query without data (game)' };
  const label = query.message?.reply_markup?.inline_keyboard?.flat().find((button) => button.callback_data === query.data)?.text;
  const inbound: Inbound = {
    platformMessageId: `callback:${query.id}`,
    channel: CHANNEL,
    conversationKey: String(query.message?.chat.id ?? query.from.id),
    sender: sender(query.from),
    ...(label === undefined ? {} : { text: label }),
    payload: query.data,
    attachments: [],
    receivedAt,
    raw: update,
  };
  return { ...answer, inbound };
}

function sender(from: z.infer<typeof user>): Inbound['sender'] {
  const name = [from.first_name, from.last_name].filter((part) => part !== undefined && part !== '').join(' ');
  return {
    channel: CHANNEL,
    userId: String(from.id),
    ...(name === '' ? {} : { displayName: name }),
    ...(from.language_code ? { localeHint: from.language_code } : {}),
  };
}

function attachmentsOf(msg: z.infer<typeof message>): Attachment[] {
  const caption = msg.caption === undefined ? {} : { caption: msg.caption };
  const fromFile = (kind: Attachment['kind'], f: z.infer<typeof file>): Attachment => ({
    kind,
    platformFileId: f.file_id,
    ...(f.mime_type ? { mimeType: f.mime_type } : {}),
    ...(f.file_name ? { fileName: f.file_name } : {}),
    ...caption,
  });
  const out: Attachment[] = [];
  if (msg.photo && msg.photo.length > 0) {
    // Telegram sends every size it made; the largest is the original.
    const largest = msg.photo.reduce((best, size) =>
      (size.width ?? 0) * (size.height ?? 0) >= (best.width ?? 0) * (best.height ?? 0) ? size : best,
    );
    out.push({ kind: 'image', platformFileId: largest.file_id, ...caption });
  }
  // An animation (GIF) also carries a `document` copy of itself; report it once, as video.
  if (msg.animation) out.push(fromFile('video', msg.animation));
  else if (msg.document) out.push(fromFile('document', msg.document));
  if (msg.voice) out.push(fromFile('audio', msg.voice));
  if (msg.audio) out.push(fromFile('audio', msg.audio));
  if (msg.video) out.push(fromFile('video', msg.video));
  if (msg.video_note) out.push(fromFile('video', msg.video_note));
  if (msg.sticker)
    out.push({ kind: 'sticker', platformFileId: msg.sticker.file_id, ...(msg.sticker.emoji ? { caption: msg.sticker.emoji } : {}) });
  if (msg.location) out.push({ kind: 'location', url: `geo:${msg.location.latitude},${msg.location.longitude}` });
  if (msg.contact) out.push({ kind: 'other', mimeType: 'text/vcard' });
  return out;
}

function updateKind(update: TelegramUpdate): string {
  return Object.keys(update).find((key) => key !== 'update_id') ?? 'empty';
}
