import type WAWebJS from 'whatsapp-web.js';
import type { Attachment, AttachmentKind, Inbound } from '../../src/core/message.js';

export const CHANNEL = 'whatsapp-web';

/** Why a message from WhatsApp Web does not reach the pipeline. */
export type IgnoreReason = 'own' | 'status' | 'group' | 'broadcast' | 'newsletter' | 'system' | 'empty' | 'malformed';

export type Mapped = { readonly inbound: Inbound } | { readonly ignored: IgnoreReason };

/** Media types (the library's MessageTypes) and the attachment kind each becomes. */
const MEDIA_KINDS: Readonly<Record<string, AttachmentKind>> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  ptt: 'audio',
  document: 'document',
  sticker: 'sticker',
};

/**
 * Notifications and protocol messages WhatsApp Web surfaces as messages; nobody typed them.
 * `album` is only the header of a set of photos, each of which arrives as its own image message.
 */
const SYSTEM_TYPES = new Set([
  'album',
  'broadcast_notification',
  'call_log',
  'ciphertext',
  'debug',
  'e2e_notification',
  'gp2',
  'group_notification',
  'notification',
  'notification_template',
  'protocol',
  'reaction',
  'revoked',
]);

/**
 * The message id as the library serialises it (`false_<chat>_<id>`). Recent WhatsApp Web builds
 * stopped filling `_serialized` (wwebjs/whatsapp-web.js#201830); the same string is rebuilt from
 * its parts then, so deduplication keeps working.
 */
export function serializedId(id: Partial<WAWebJS.MessageId> | undefined): string | undefined {
  if (!id) return undefined;
  if (typeof id._serialized === 'string' && id._serialized !== '') return id._serialized;
  if (typeof id.remote !== 'string' || typeof id.id !== 'string' || id.remote === '' || id.id === '') return undefined;
  return `${id.fromMe === true}_${id.remote}_${id.id}`;
}

/**
 * Turns a whatsapp-web.js `Message` into an Inbound, or says why it is not one: our own messages,
 * status updates, groups, broadcast lists, newsletters and notifications are not player support.
 */
export function toInbound(message: WAWebJS.Message, now: Date): Mapped {
  const platformMessageId = serializedId(message.id);
  // `from` is the chat of an incoming message; the id's `remote` is the same chat when `from` is missing.
  const chat = nonEmpty(message.from) ?? nonEmpty(message.id?.remote);
  if (!platformMessageId || !chat) return { ignored: 'malformed' };
  if (message.fromMe || message.id.fromMe) return { ignored: 'own' };
  if (message.isStatus || chat === 'status@broadcast') return { ignored: 'status' };
  if (chat.endsWith('@g.us')) return { ignored: 'group' };
  if (chat.endsWith('@broadcast')) return { ignored: 'broadcast' };
  if (chat.endsWith('@newsletter')) return { ignored: 'newsletter' };
  // The typings declare an enum; WhatsApp Web sends plain strings, some newer than the enum.
  const type: string = message.type;
  if (SYSTEM_TYPES.has(type)) return { ignored: 'system' };

  const data = rawData(message);
  const attachments: Attachment[] = [];
  let text: string | undefined;
  const mediaKind = MEDIA_KINDS[type];
  if (type === 'location' && message.location) {
    // A location's body is a JPEG thumbnail of the map, not words: only the place goes in.
    const { latitude, longitude, description } = message.location;
    attachments.push({
      kind: 'location',
      platformFileId: platformMessageId,
      url: `geo:${latitude},${longitude}`,
      ...(description ? { caption: description } : {}),
    });
  } else if (message.hasMedia || mediaKind) {
    // The raw body of a media message is a thumbnail; the library puts the caption in `body` only
    // when the media can be downloaded, so read the caption itself otherwise.
    const caption = message.hasMedia ? nonEmpty(message.body) : nonEmpty(data['caption']);
    const mimeType = nonEmpty(data['mimetype']);
    const fileName = nonEmpty(data['filename']);
    attachments.push({
      kind: mediaKind ?? 'other',
      platformFileId: platformMessageId,
      ...(mimeType ? { mimeType } : {}),
      ...(fileName ? { fileName } : {}),
      ...(caption ? { caption } : {}),
    });
    text = caption;
  } else if (type === 'chat') {
    text = nonEmpty(message.body);
  } else {
    // Contact cards, polls, orders…: shown to the bot and the agent as "something was sent".
    attachments.push({ kind: 'other', platformFileId: platformMessageId });
  }
  if (text === undefined && attachments.length === 0) return { ignored: 'empty' };

  const seconds = message.timestamp;
  const displayName = nonEmpty(data['notifyName']);
  return {
    inbound: {
      platformMessageId,
      channel: CHANNEL,
      conversationKey: chat,
      sender: { channel: CHANNEL, userId: chat, ...(displayName ? { displayName } : {}) },
      ...(text !== undefined ? { text } : {}),
      attachments,
      receivedAt: typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : now,
      raw: compactRaw(message, platformMessageId, data),
    },
  };
}

/** What is kept of the platform message: enough for an audit, without thumbnails or contact cards. */
function compactRaw(message: WAWebJS.Message, id: string, data: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { id, type: message.type, from: message.from, to: message.to, t: message.timestamp };
  if (message.hasMedia) raw['hasMedia'] = true;
  for (const key of ['mimetype', 'filename', 'size', 'duration', 'isForwarded'] as const) {
    if (data[key] !== undefined && data[key] !== null) raw[key] = data[key];
  }
  if (message.location) raw['location'] = { latitude: message.location.latitude, longitude: message.location.longitude };
  return raw;
}

function rawData(message: WAWebJS.Message): Record<string, unknown> {
  const data = (message as { rawData?: unknown }).rawData;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
