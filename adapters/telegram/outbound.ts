import { createHash } from 'node:crypto';
import { GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { platformError } from '../../src/core/delivery.js';
import type { CroupierError } from '../../src/core/errors.js';
import type { Button } from '../../src/core/message.js';
import type { ChannelCapabilities } from '../../src/core/render.js';
import { CHANNEL } from './inbound.js';

/**
 * Inline keyboards take up to 100 buttons, but a support menu longer than 8 is a wall: past that,
 * the shared renderer writes a numbered menu instead. Button texts have no documented limit but
 * get cut on phones; messages carry at most 4096 characters (`sendMessage`).
 */
export const telegramCapabilities: ChannelCapabilities = {
  buttons: { max: 8, labelMax: 64 },
  textMax: 4096,
  formatting: 'plain',
};

/** `sendPhoto`/`sendDocument` captions: 0-1024 characters. */
export const CAPTION_MAX = 1024;

/** callback_data: 1-64 bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;
/** Marks callback data that stands for a longer payload (see {@link callbackData}). */
export const HASHED_PREFIX = '~';

/**
 * The callback_data of a button: its payload when it fits in 64 bytes, else `~` and a hash of it,
 * which the adapter maps back through the buttons of the conversation's recent messages. Payloads
 * that themselves start with `~` are always hashed, so the two forms never mix.
 */
export function callbackData(payload: string): string {
  if (payload !== '' && !payload.startsWith(HASHED_PREFIX) && Buffer.byteLength(payload, 'utf8') <= CALLBACK_DATA_MAX_BYTES) return payload;
  return HASHED_PREFIX + createHash('sha256').update(payload, 'utf8').digest('base64url').slice(0, 22);
}

/** One button per row: menu labels are sentences ("Where is my withdrawal?"), and rows of one read best on a phone. */
export function inlineKeyboard(buttons: readonly Button[]): InlineKeyboardMarkup {
  return { inline_keyboard: buttons.map((button) => [{ text: button.label, callback_data: callbackData(button.payload) }]) };
}

/**
 * A failed Bot API call as the shared retry policy understands it: 429 and 5xx are retryable and
 * 429 carries `parameters.retry_after` (seconds) as `retryAfterMs`; 400/403 (chat not found, the
 * player blocked the bot) fail at once. Network errors keep no `cause`: node-fetch's message holds
 * the request URL, and with it the bot token.
 */
export function toPlatformError(error: unknown, method: string, token: string): CroupierError {
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    return platformError(CHANNEL, error.error_code, `${method}: ${redact(error.description, token)}`, {
      ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  const inner = error instanceof HttpError ? error.error : error;
  const reason = inner instanceof Error ? inner.message : String(inner);
  return platformError(CHANNEL, undefined, `${method}: network error (${redact(reason, token)})`);
}

/** Removes the bot token from a text (Bot API URLs are `<apiRoot>/bot<token>/<method>`). */
export function redact(text: string, token: string): string {
  let out = token === '' ? text : text.split(token).join('[token]');
  out = out.replace(/\/bot\d+:[A-Za-z0-9_-]+/g, '/bot[token]');
  return out;
}
