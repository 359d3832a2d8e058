/**
 * The normalised message model. Every channel adapter translates its platform's updates into an
 * {@link Inbound} and renders an {@link Outbound} back; nothing past the adapter ever sees a
 * platform type. Anything a flow might one day need from the platform stays reachable through
 * `raw`, the explicit escape hatch, instead of growing this model into a copy of every API.
 */

/** A channel id is the adapter's folder name: `web`, `telegram`, `whatsapp-cloud`, `viber`, … */
export type ChannelId = string;

/** The account a person writes from, on one channel. */
export interface ChannelAccount {
  readonly channel: ChannelId;
  /** The platform's user id (Telegram user id, WhatsApp phone, Viber id, web visitor id). */
  readonly userId: string;
}

export interface Sender extends ChannelAccount {
  /** The name the platform shows, when it gives one. Personal data: never logged. */
  readonly displayName?: string;
  /** The platform's or browser's language hint (BCP 47, e.g. `es-ES`); a hint, not a decision. */
  readonly localeHint?: string;
}

export type AttachmentKind = 'image' | 'document' | 'audio' | 'video' | 'location' | 'sticker' | 'other';

export interface Attachment {
  readonly kind: AttachmentKind;
  /** Where the file can be fetched (platform file URL or our own media URL), when known. */
  readonly url?: string;
  /** The platform's file id, to fetch it later through the adapter. */
  readonly platformFileId?: string;
  readonly mimeType?: string;
  readonly fileName?: string;
  readonly caption?: string;
}

/** A message from a player, as every part after the adapter sees it. */
export interface Inbound {
  /** The platform's own message id; with `channel` it identifies the message for deduplication. */
  readonly platformMessageId: string;
  readonly channel: ChannelId;
  /**
   * Identifies the conversation on that channel (Telegram chat id, WhatsApp phone, widget
   * conversation id). Together with `channel` it maps to one Croupier conversation.
   */
  readonly conversationKey: string;
  readonly sender: Sender;
  /** What the player typed, if anything. */
  readonly text?: string;
  /** The payload of a button the player pressed (quick reply, callback query, postback). */
  readonly payload?: string;
  readonly attachments: readonly Attachment[];
  /** When the platform says the message was sent, or when we received it if it doesn't say. */
  readonly receivedAt: Date;
  /**
   * The platform's original update, untouched. Stored with the transcript for audits; code should
   * reach into it only for platform-specific features the normalised fields do not cover.
   */
  readonly raw?: unknown;
}

/** A button offered with a message; `payload` comes back in {@link Inbound.payload}. */
export interface Button {
  readonly label: string;
  readonly payload: string;
}

export interface Media {
  readonly kind: Exclude<AttachmentKind, 'location' | 'sticker' | 'other'>;
  readonly url: string;
  readonly caption?: string;
  readonly fileName?: string;
}

/**
 * What the bot or an agent says. One Outbound is one message bubble; adapters render buttons as
 * their platform allows (inline keyboard, reply buttons, list, numbered text) and split long text.
 */
export type Outbound =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Quick replies / buttons offered with this message. */
      readonly buttons?: readonly Button[];
      /** Who speaks: the bot, a human agent, or a system notice (queue position…). */
      readonly author: OutboundAuthor;
    }
  | { readonly kind: 'media'; readonly media: Media; readonly author: OutboundAuthor }
  | { readonly kind: 'typing'; readonly on: boolean };

export type OutboundAuthor = 'bot' | 'agent' | 'system';

export function textMessage(text: string, buttons?: readonly Button[], author: OutboundAuthor = 'bot'): Outbound {
  return buttons && buttons.length > 0 ? { kind: 'text', text, buttons, author } : { kind: 'text', text, author };
}

/** The text a person would read, for transcripts and logs of non-text messages. */
export function describeInbound(message: Pick<Inbound, 'text' | 'payload' | 'attachments'>): string {
  if (message.text && message.text.trim() !== '') return message.text;
  if (message.payload) return `[button ${message.payload}]`;
  const first = message.attachments[0];
  return first ? `[${first.kind}]` : '';
}
