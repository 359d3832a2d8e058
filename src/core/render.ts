import type { Button, Outbound } from './message.js';

/**
 * What a channel can show, so one renderer can degrade an Outbound for it (buttons → list →
 * numbered text, long text split) instead of every reply sinking to the lowest common denominator.
 */
export interface ChannelCapabilities {
  /** Quick-reply buttons: how many and how long a label may be; `null` when there are none. */
  readonly buttons: { readonly max: number; readonly labelMax: number } | null;
  /** A pick list (WhatsApp's list message): more options than buttons, fewer than free text. */
  readonly list?: { readonly max: number; readonly labelMax: number } | null;
  /** Longest text one message may carry, in UTF-16 code units (what the platforms count). */
  readonly textMax: number;
  readonly formatting: 'plain' | 'markdown' | 'html';
}

/** How the options of one message are shown on a channel. */
export type RenderedOptions =
  | { readonly style: 'buttons'; readonly buttons: readonly Button[] }
  | { readonly style: 'list'; readonly buttons: readonly Button[] }
  /** Written into the text as "1. label" lines; the player answers with the number. */
  | { readonly style: 'numbered'; readonly buttons: readonly Button[] };

/** One platform message: a piece of text and, on the last piece only, the options. */
export interface RenderedMessage {
  readonly text: string;
  readonly options?: RenderedOptions;
}

/**
 * Renders a text Outbound for a channel: options become buttons when they fit, else a list when
 * the channel has one and they fit, else numbered lines the player answers with a number (the
 * numbered-reply stage maps the number back to the button's payload). Text longer than the
 * channel allows is split at paragraph, line, sentence or word boundaries, never inside a word
 * unless a single word is longer than the limit. Never returns an empty message.
 *
 * @example render(textMessage('Pick one', buttons), telegramCapabilities)
 */
export function render(outbound: Extract<Outbound, { kind: 'text' }>, capabilities: ChannelCapabilities): RenderedMessage[] {
  const buttons = outbound.buttons ?? [];
  const text = outbound.text.trim() === '' ? '…' : outbound.text;
  if (buttons.length === 0) return split(text, capabilities.textMax).map((piece) => ({ text: piece }));

  const options = chooseOptions(buttons, capabilities);
  if (options.style !== 'numbered') {
    const pieces = split(text, capabilities.textMax);
    return pieces.map((piece, index) => (index === pieces.length - 1 ? { text: piece, options } : { text: piece }));
  }
  const menu = numberedMenu(buttons);
  const pieces = split(`${text}\n\n${menu}`, capabilities.textMax);
  return pieces.map((piece, index) => (index === pieces.length - 1 ? { text: piece, options } : { text: piece }));
}

/** The richest way this channel can show these options. */
export function chooseOptions(buttons: readonly Button[], capabilities: ChannelCapabilities): RenderedOptions {
  const fits = (limit: { max: number; labelMax: number } | null | undefined) =>
    limit !== null && limit !== undefined && buttons.length <= limit.max && buttons.every((b) => [...b.label].length <= limit.labelMax);
  if (fits(capabilities.buttons)) return { style: 'buttons', buttons };
  if (fits(capabilities.list)) return { style: 'list', buttons };
  return { style: 'numbered', buttons };
}

/** "1. Deposits\n2. Withdrawals" — what a channel without buttons shows. */
export function numberedMenu(buttons: readonly Button[]): string {
  return buttons.map((button, index) => `${index + 1}. ${button.label}`).join('\n');
}

/** Whether this channel shows these options as numbered text (so a bare number is an answer). */
export function showsNumbered(buttons: readonly Button[], capabilities: ChannelCapabilities): boolean {
  return buttons.length > 0 && chooseOptions(buttons, capabilities).style === 'numbered';
}

/**
 * Splits text into pieces of at most `max` code units, preferring paragraph breaks, then line
 * breaks, then sentence ends, then spaces. Pieces are trimmed; none is empty.
 */
export function split(text: string, max: number): string[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const cut = lastBoundary(window, max);
    let piece = rest.slice(0, cut).trimEnd();
    // Never cut a surrogate pair in half.
    if (piece.length > 0 && /[\uD800-\uDBFF]$/.test(piece)) piece = piece.slice(0, -1);
    if (piece === '') piece = rest.slice(0, max);
    pieces.push(piece);
    rest = rest.slice(piece.length).trimStart();
  }
  if (rest !== '' || pieces.length === 0) pieces.push(rest === '' ? '…' : rest);
  return pieces;
}

function lastBoundary(window: string, max: number): number {
  const floor = Math.floor(max / 3);
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?…](\s)/g, /\s/g]) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + (match[0].length > 1 && pattern.source.startsWith('[') ? 1 : 0);
      if (end <= max && end >= floor) best = end;
    }
    if (best > 0) return best;
  }
  return max;
}
