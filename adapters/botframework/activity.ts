import { createHash } from 'node:crypto';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Attachment, AttachmentKind, Inbound } from '../../src/core/message.js';
import type { Store } from '../../src/store/store.js';
import type { Surface } from './render.js';

export const CHANNEL = 'botframework';

const account = z.looseObject({ id: z.string().min(1).max(1024), name: z.string().max(1024).nullish() });

/**
 * The parts of a Bot Framework Activity the adapter relies on (activity schema:
 * github.com/microsoft/botframework-sdk/blob/main/specs/botframework-activity/botframework-activity.md).
 * Anything else is kept untouched for `raw`. Every activity the Bot Connector sends carries these.
 */
export const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(1024).nullish(),
  timestamp: z.string().max(64).nullish(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: account,
  recipient: account,
  conversation: z.looseObject({ id: z.string().min(1).max(2048) }),
  text: z.string().nullish(),
  value: z.unknown().optional(),
  locale: z.string().max(64).nullish(),
  deliveryMode: z.string().max(64).nullish(),
  attachments: z
    .array(z.looseObject({ contentType: z.string().nullish(), contentUrl: z.string().nullish(), name: z.string().nullish() }))
    .nullish(),
  membersAdded: z.array(account).nullish(),
});

export type BotActivity = z.infer<typeof activitySchema>;

/** `channelId:conversation.id`: one Croupier conversation per Bot Framework conversation and surface. */
export function conversationKeyOf(activity: BotActivity): string {
  return `${activity.channelId}:${activity.conversation.id}`;
}

/** The dedupe key: the activity id within its conversation (a digest of the activity if it has no id). */
function platformMessageIdOf(activity: BotActivity): string {
  const id = activity.id ?? `sha256:${createHash('sha256').update(JSON.stringify(activity)).digest('base64url')}`;
  return `${conversationKeyOf(activity)}|${id}`;
}

function receivedAt(activity: BotActivity, now: Date): Date {
  const stamp = activity.timestamp ? new Date(activity.timestamp) : undefined;
  return stamp && !Number.isNaN(stamp.getTime()) ? stamp : now;
}

function sender(activity: BotActivity, member: z.infer<typeof account>): Inbound['sender'] {
  return {
    channel: CHANNEL,
    userId: `${activity.channelId}:${member.id}`,
    ...(member.name ? { displayName: member.name } : {}),
    ...(activity.locale ? { localeHint: activity.locale } : {}),
  };
}

/** A button's payload: our messageBack actions send `{ payload }` as the activity's value. */
function payloadOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (value !== null && typeof value === 'object') {
    const payload = (value as { payload?: unknown }).payload;
    if (typeof payload === 'string' && payload.trim() !== '') return payload;
  }
  return undefined;
}

function kindOf(contentType: string): AttachmentKind {
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('video/')) return 'video';
  return 'document';
}

/**
 * Files the player sent. Teams repeats every message's text as a `text/html` attachment and cards
 * come as `application/vnd.microsoft.card.*`: neither is a file.
 */
function attachmentsOf(activity: BotActivity): Attachment[] {
  const files: Attachment[] = [];
  for (const attachment of activity.attachments ?? []) {
    const contentType = attachment.contentType ?? '';
    if (contentType === 'text/html' || contentType.startsWith('application/vnd.microsoft.card.')) continue;
    if (!attachment.contentUrl && contentType !== 'application/vnd.microsoft.teams.file.download.info') continue;
    files.push({
      kind: kindOf(contentType),
      ...(attachment.contentUrl ? { url: attachment.contentUrl } : {}),
      ...(contentType && !contentType.startsWith('application/vnd.') ? { mimeType: contentType } : {}),
      ...(attachment.name ? { fileName: attachment.name } : {}),
    });
  }
  return files;
}

/** The player's text without the bot's own @mention (Teams group chats and channels). */
function textOf(activity: BotActivity): string | undefined {
  if (!activity.text) return undefined;
  let text = activity.text;
  try {
    // On a copy: the SDK rewrites `text` in place.
    text =
      TurnContext.removeRecipientMention({ ...activity } as unknown as Parameters<typeof TurnContext.removeRecipientMention>[0]) ?? text;
  } catch {
    // A malformed mention entity: keep the text as sent.
  }
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A message activity as an Inbound, or undefined when it carries nothing to answer. */
export function messageInbound(activity: BotActivity, now: Date): Inbound | undefined {
  const text = textOf(activity);
  const payload = payloadOf(activity.value);
  const attachments = attachmentsOf(activity);
  if (text === undefined && payload === undefined && attachments.length === 0) return undefined;
  return {
    platformMessageId: platformMessageIdOf(activity),
    channel: CHANNEL,
    conversationKey: conversationKeyOf(activity),
    sender: sender(activity, activity.from),
    ...(text === undefined ? {} : { text }),
    ...(payload === undefined ? {} : { payload }),
    attachments,
    receivedAt: receivedAt(activity, now),
    raw: activity,
  };
}

/**
 * A conversationUpdate that added someone other than the bot (or installed the bot in a Teams 1:1
 * chat), as a button press on the welcome payload (the greeting flow answers it in the member's
 * language), or undefined. Updates that only add the bot to a group stay silent.
 */
export function welcomeInbound(activity: BotActivity, payload: string, now: Date): Inbound | undefined {
  const added = activity.membersAdded ?? [];
  // Teams lists only the bot when a person installs it for a 1:1 chat: welcome that person.
  const personalInstall =
    activity.channelId === 'msteams' &&
    (activity.conversation as { conversationType?: unknown }).conversationType === 'personal' &&
    added.some((member) => member.id === activity.recipient.id);
  const member = added.find((candidate) => candidate.id !== activity.recipient.id) ?? (personalInstall ? activity.from : undefined);
  if (!member) return undefined;
  return {
    platformMessageId: platformMessageIdOf(activity),
    channel: CHANNEL,
    conversationKey: conversationKeyOf(activity),
    sender: sender(activity, member),
    payload,
    attachments: [],
    receivedAt: receivedAt(activity, now),
    raw: activity,
  };
}

/** A bare option number as players type it: "2", "2.", "2)", "#2" (as the pipeline's numbered-reply stage reads it). */
const NUMBER = /^\s*#?\s*(\d{1,2})\s*[.)]?\s*$/u;

/**
 * Maps a typed answer back to the payload of the options we last showed, where the surface could
 * not carry the payload itself: an `imBack` button posts its label as text (Teams), and SMS and
 * e-mail show options as numbered text. `messageBack` surfaces need nothing: the payload is in
 * the activity's value.
 */
export async function resolveOption(store: Store, inbound: Inbound, surface: Surface): Promise<Inbound> {
  if (inbound.payload !== undefined || inbound.text === undefined || surface.actions === 'messageBack') return inbound;
  const conversation = await store.conversations.findByKey(CHANNEL, inbound.conversationKey);
  if (!conversation) return inbound;
  const recent = await store.transcript.list(conversation.id, { limit: 6 });
  const buttons = recent.filter((entry) => entry.direction === 'out' && entry.author !== 'system').at(-1)?.buttons ?? [];
  if (buttons.length === 0) return inbound;
  const typed = inbound.text.trim().toLocaleLowerCase();
  const byLabel = buttons.find((button) => button.label.trim().toLocaleLowerCase() === typed);
  if (byLabel) return { ...inbound, payload: byLabel.payload };
  const number = surface.actions === null ? NUMBER.exec(inbound.text) : null;
  const byNumber = number ? buttons[Number(number[1]) - 1] : undefined;
  return byNumber ? { ...inbound, payload: byNumber.payload } : inbound;
}
