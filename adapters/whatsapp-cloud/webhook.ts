import { z } from 'zod';
import { CroupierError } from '../../src/core/errors.js';
import type { Attachment, AttachmentKind, Inbound } from '../../src/core/message.js';

export const CHANNEL = 'whatsapp-cloud';

/**
 * The WhatsApp Business Account webhook as Meta documents it (Webhooks reference → messages):
 * `{ object: "whatsapp_business_account", entry: [{ id, changes: [{ field: "messages", value }] }] }`,
 * where `value` carries `metadata`, `contacts` and either `messages` (from players) or `statuses`
 * (what happened to ours). Objects are loose: Meta adds fields without notice, and we only refuse
 * a body that lacks what we need.
 */
const contact = z.looseObject({
  wa_id: z.string().min(1),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

const media = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

const message = z.looseObject({
  from: z.string().min(1),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/, 'a Unix time in seconds'),
  type: z.string().min(1),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string() }).optional(),
  image: media.optional(),
  document: media.optional(),
  audio: media.optional(),
  video: media.optional(),
  sticker: media.optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
});

const status = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/, 'a Unix time in seconds'),
  recipient_id: z.string().optional(),
  errors: z.array(z.looseObject({ code: z.number(), title: z.string().optional() })).optional(),
});

const messagesValue = z.looseObject({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.looseObject({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() }),
  contacts: z.array(contact).optional(),
  messages: z.array(message).optional(),
  statuses: z.array(status).optional(),
});

const notification = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

export type WhatsAppMessage = z.infer<typeof message>;
export type WhatsAppStatus = z.infer<typeof status>;
export type WhatsAppContact = z.infer<typeof contact>;

/** One `messages` change of a notification: the business number it was sent to, and its content. */
export interface MessagesChange {
  readonly phoneNumberId: string;
  readonly contacts: readonly WhatsAppContact[];
  readonly messages: readonly WhatsAppMessage[];
  readonly statuses: readonly WhatsAppStatus[];
}

/**
 * Checks a notification's shape and returns its `messages` changes (other fields, such as
 * `message_template_status_update`, are none of this channel's business). A body that is not a
 * WhatsApp Business Account notification, or a message without its id, sender or time, is a coded 400.
 */
export function readNotification(body: unknown): MessagesChange[] {
  const parsed = notification.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const changes: MessagesChange[] = [];
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = messagesValue.safeParse(change.value);
      if (!value.success) throw invalid(value.error);
      changes.push({
        phoneNumberId: value.data.metadata.phone_number_id,
        contacts: value.data.contacts ?? [],
        messages: value.data.messages ?? [],
        statuses: value.data.statuses ?? [],
      });
    }
  }
  return changes;
}

function invalid(error: z.ZodError): CroupierError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new CroupierError('CROUPIER_INPUT_INVALID', `not a WhatsApp webhook notification (${where}${issue?.message ?? 'invalid'})`);
}

/** Message types that are not something a player said to us: no turn, no answer. */
const NOT_A_TURN = new Set(['reaction', 'system', 'request_welcome', 'ephemeral']);

/** Unix seconds as WhatsApp sends them; `fallback` when the value makes no sense. */
export function fromUnixSeconds(value: string, fallback: Date): Date {
  const seconds = Number(value);
  return Number.isSafeInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : fallback;
}

/**
 * Turns one WhatsApp message into an Inbound, or `undefined` for updates that are not a player
 * speaking (reactions, number-change notices). Text is text; a reply button or list row becomes
 * its id as the payload (its title as the text, for the transcript); a template's quick-reply
 * button becomes its payload; media become attachments with the platform's media id; anything
 * else (contacts cards, polls, unsupported types) is an Inbound without text, so the bot still
 * answers and the original stays in `raw`.
 */
export function toInbound(
  wa: WhatsAppMessage,
  contacts: readonly WhatsAppContact[],
  phoneNumberId: string,
  now: Date,
): Inbound | undefined {
  if (NOT_A_TURN.has(wa.type)) return undefined;
  const name = contacts.find((c) => c.wa_id === wa.from)?.profile?.name;
  let text: string | undefined;
  let payload: string | undefined;
  const attachments: Attachment[] = [];

  switch (wa.type) {
    case 'text':
      text = wa.text?.body;
      break;
    case 'interactive': {
      const choice = wa.interactive?.button_reply ?? wa.interactive?.list_reply;
      if (choice) {
        payload = choice.id;
        text = choice.title;
      }
      break;
    }
    case 'button':
      text = wa.button?.text;
      payload = wa.button?.payload ?? wa.button?.text;
      break;
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
    case 'sticker': {
      const file = wa[wa.type];
      if (file) {
        attachments.push({
          kind: wa.type satisfies AttachmentKind,
          platformFileId: file.id,
          ...(file.mime_type ? { mimeType: file.mime_type } : {}),
          ...(file.filename ? { fileName: file.filename } : {}),
          ...(file.caption ? { caption: file.caption } : {}),
        });
        // A caption is what the player wrote with the file: the bot reads it like any text.
        if (file.caption && file.caption.trim() !== '') text = file.caption;
      }
      break;
    }
    case 'location': {
      const place = wa.location;
      if (place) {
        const label = [place.name, place.address].filter((part) => part && part.trim() !== '').join(', ');
        attachments.push({ kind: 'location', url: `geo:${place.latitude},${place.longitude}`, ...(label ? { caption: label } : {}) });
      }
      break;
    }
    case 'contacts':
      attachments.push({ kind: 'other' });
      break;
    default:
      break;
  }

  return {
    platformMessageId: wa.id,
    channel: CHANNEL,
    conversationKey: wa.from,
    sender: { channel: CHANNEL, userId: wa.from, ...(name ? { displayName: name } : {}) },
    ...(text !== undefined ? { text } : {}),
    ...(payload !== undefined ? { payload } : {}),
    attachments,
    receivedAt: fromUnixSeconds(wa.timestamp, now),
    raw: { message: wa, phoneNumberId },
  };
}
