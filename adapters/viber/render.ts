import type { Button, Outbound } from '../../src/core/message.js';
import { render, type ChannelCapabilities } from '../../src/core/render.js';

/**
 * Viber keyboards hold up to 24 buttons in a 6-column grid, but a support menu reads best short:
 * at most 6 buttons of up to 40 characters; more (or longer) options become a numbered menu the
 * player answers with a number. One message carries up to 7000 characters.
 */
export const viberCapabilities: ChannelCapabilities = {
  buttons: { max: 6, labelMax: 40 },
  list: null,
  textMax: 7000,
  formatting: 'plain',
};

/**
 * A keyboard button sends its ActionBody back as the player's message text. The prefix marks it
 * as a button press, so "cr:flow:deposit_issue" is read as the payload `flow:deposit_issue` and
 * never mistaken for something the player typed.
 */
export const PAYLOAD_PREFIX = 'cr:';

/** Viber keeps at most this much tracking_data per message. */
const TRACKING_MAX = 4096;
/** A picture's caption may be this long; a longer one goes in its own text message. */
const CAPTION_MAX = 768;

export interface ViberKeyboardButton {
  readonly Columns: number;
  readonly Rows: number;
  readonly ActionType: 'reply';
  readonly ActionBody: string;
  readonly Text: string;
  readonly TextSize: 'regular';
}

export interface ViberKeyboard {
  readonly Type: 'keyboard';
  readonly DefaultHeight: false;
  readonly Buttons: readonly ViberKeyboardButton[];
}

/** One send_message body without `receiver` (the form the welcome message takes too). */
export interface ViberMessage {
  readonly type: 'text' | 'picture';
  readonly text: string;
  readonly media?: string;
  readonly keyboard?: ViberKeyboard;
  readonly tracking_data?: string;
}

/**
 * Lays the buttons out in Viber's 6-column grid: short labels two to a row, longer ones on a
 * row of their own, an odd last short button full width so the grid has no hole.
 */
export function keyboardFor(buttons: readonly Button[]): ViberKeyboard {
  const pairs = buttons.length > 1 && buttons.every((button) => [...button.label].length <= 18);
  return {
    Type: 'keyboard',
    DefaultHeight: false,
    Buttons: buttons.map((button, index) => ({
      Columns: pairs && !(index === buttons.length - 1 && buttons.length % 2 === 1) ? 3 : 6,
      Rows: 1,
      ActionType: 'reply',
      ActionBody: `${PAYLOAD_PREFIX}${button.payload}`,
      Text: escapeMarkup(button.label),
      TextSize: 'regular',
    })),
  };
}

/** Button texts accept a few HTML tags; a label is shown as written. */
function escapeMarkup(label: string): string {
  return label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * tracking_data comes back with the player's next message: it carries the labels of the keyboard
 * just shown, so a pressed button is stored with the words the player saw, not only its payload.
 */
export function trackingFor(buttons: readonly Button[]): string | undefined {
  const labels: Record<string, string> = {};
  for (const button of buttons) labels[button.payload] = button.label;
  const data = JSON.stringify({ croupier: { labels } });
  return data.length <= TRACKING_MAX ? data : undefined;
}

/** The label a tracking_data string gives a payload, when it is ours and knows it. */
export function labelFrom(trackingData: string | undefined, payload: string): string | undefined {
  if (!trackingData || !trackingData.startsWith('{"croupier"')) return undefined;
  try {
    const parsed = JSON.parse(trackingData) as { croupier?: { labels?: Record<string, unknown> } };
    const labels = parsed.croupier?.labels;
    if (!labels || !Object.hasOwn(labels, payload)) return undefined;
    const label = labels[payload];
    return typeof label === 'string' && label.trim() !== '' ? label : undefined;
  } catch {
    return undefined;
  }
}

/** The payload a message text carries when it is a pressed keyboard button. */
export function payloadFrom(text: string | undefined): string | undefined {
  if (!text?.startsWith(PAYLOAD_PREFIX)) return undefined;
  const payload = text.slice(PAYLOAD_PREFIX.length);
  return payload === '' ? undefined : payload;
}

/**
 * An Outbound as Viber messages, in order: the shared renderer splits long text and chooses
 * buttons or numbered lines; buttons become a keyboard on the last piece. Media: a picture is a
 * picture message; other files are sent as their link (Viber's file and video messages need the
 * file size, which an Outbound does not know).
 */
export function toViberMessages(outbound: Exclude<Outbound, { kind: 'typing' }>): ViberMessage[] {
  if (outbound.kind === 'text') {
    return render(outbound, viberCapabilities).map((piece) => {
      if (piece.options?.style !== 'buttons') return { type: 'text', text: piece.text };
      const tracking = trackingFor(piece.options.buttons);
      return {
        type: 'text',
        text: piece.text,
        keyboard: keyboardFor(piece.options.buttons),
        ...(tracking === undefined ? {} : { tracking_data: tracking }),
      };
    });
  }
  const { media } = outbound;
  const caption = media.caption?.trim() ?? '';
  if (media.kind === 'image') {
    if (caption.length <= CAPTION_MAX) return [{ type: 'picture', text: caption, media: media.url }];
    return [
      { type: 'picture', text: '', media: media.url },
      ...render({ kind: 'text', text: caption, author: outbound.author }, viberCapabilities).map((piece) => ({
        type: 'text' as const,
        text: piece.text,
      })),
    ];
  }
  const name = media.fileName ? `${media.fileName}\n` : '';
  const text = `${caption === '' ? '' : `${caption}\n`}${name}${media.url}`;
  return render({ kind: 'text', text, author: outbound.author }, viberCapabilities).map((piece) => ({ type: 'text', text: piece.text }));
}
