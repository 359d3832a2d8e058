import { z } from 'zod';
import type { Outbound } from '../../src/core/message.js';
import type { TranscriptEntry } from '../../src/store/store.js';

/**
 * The widget's WebSocket protocol (JSON text frames) and the HTTP API's body. Documented in the
 * README; the widget in public/widget.js is its reference client.
 */
const text = z.string().trim().min(1).max(4000);
const payload = z.string().min(1).max(256);
const locale = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/);
const conversationId = z.string().min(10).max(200);
const clientMessageId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/);

export const helloFrame = z.object({
  type: z.literal('hello'),
  conversationId: conversationId.optional(),
  locale: locale.optional(),
  playerToken: z.string().max(2000).optional(),
});

export const messageFrame = z
  .object({
    type: z.literal('message'),
    clientMessageId,
    text: text.optional(),
    payload: payload.optional(),
  })
  .refine((frame) => frame.text !== undefined || frame.payload !== undefined, { message: 'a message needs text or payload' });

export const clientFrame = z.union([helloFrame, messageFrame]);
export type ClientFrame = z.infer<typeof clientFrame>;

export const httpMessageBody = z
  .object({
    conversationId: conversationId.optional(),
    clientMessageId: clientMessageId.optional(),
    text: text.optional(),
    payload: payload.optional(),
    locale: locale.optional(),
    playerToken: z.string().max(2000).optional(),
  })
  .strict()
  .refine((body) => body.text !== undefined || body.payload !== undefined, { message: 'send `text` or `payload`' });

/** A message as the widget renders it. */
export interface WireMessage {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly author: TranscriptEntry['author'];
  readonly text?: string;
  readonly buttons?: readonly { label: string; payload: string }[];
  readonly at: string;
  readonly clientMessageId?: string;
}

export function toWire(entry: TranscriptEntry): WireMessage {
  return {
    id: entry.id,
    direction: entry.direction,
    author: entry.author,
    ...(entry.text !== undefined ? { text: entry.text } : {}),
    ...(entry.buttons && entry.buttons.length > 0 ? { buttons: entry.buttons.map((b) => ({ label: b.label, payload: b.payload })) } : {}),
    at: entry.at.toISOString(),
    ...(entry.direction === 'in' && entry.platformMessageId ? { clientMessageId: entry.platformMessageId } : {}),
  };
}

/** An outbound that was not stored (should not happen for text) still renders. */
export function outboundToWire(outbound: Extract<Outbound, { kind: 'text' | 'media' }>, id: string, at: Date): WireMessage {
  return outbound.kind === 'text'
    ? {
        id,
        direction: 'out',
        author: outbound.author,
        text: outbound.text,
        ...(outbound.buttons ? { buttons: outbound.buttons } : {}),
        at: at.toISOString(),
      }
    : { id, direction: 'out', author: outbound.author, text: outbound.media.caption ?? outbound.media.url, at: at.toISOString() };
}

export type ServerFrame =
  | { type: 'ready'; conversationId: string; history: WireMessage[] }
  | { type: 'ack'; clientMessageId: string; id: string }
  | { type: 'message'; message: WireMessage }
  | { type: 'typing'; on: boolean }
  | { type: 'error'; code: string; message: string; clientMessageId?: string };
