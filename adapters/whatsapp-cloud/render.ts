import type { Button, Outbound } from '../../src/core/message.js';
import { chooseOptions, render, split, type ChannelCapabilities } from '../../src/core/render.js';

/**
 * What the Cloud API accepts (Messages API reference): reply buttons, at most 3 with titles of 20
 * characters; a list message, at most 10 rows with titles of 24; an interactive body of 1024
 * characters; a text message of 4096. The shared renderer picks buttons → list → numbered text
 * from these numbers.
 */
export const whatsappCloudCapabilities: ChannelCapabilities = {
  buttons: { max: 3, labelMax: 20 },
  list: { max: 10, labelMax: 24 },
  textMax: 4096,
  formatting: 'plain',
};

export const INTERACTIVE_BODY_MAX = 1024;
/** Longest id of a reply button (256) and of a list row (200), in characters. */
export const BUTTON_ID_MAX = 256;
export const ROW_ID_MAX = 200;
/** The label of the button that opens a list (20 characters at most). */
export const LIST_BUTTON_MAX = 20;

/** An option id that stands for "the n-th option of the message replied to" (see {@link optionIds}). */
const INDEX_ID = /^croupier-option:(\d{1,2})$/;

/** The `messages` request bodies for one Outbound, without `to` and `messaging_product` (added by the sender). */
export type GraphMessage = Record<string, unknown> & { type: string };

/**
 * Turns a text or media Outbound into Cloud API messages: text pieces (split to the limits) and,
 * on the last piece, reply buttons or a list; a numbered menu is part of the text already.
 * `listButton` is the label of the button that opens a list, in the player's language.
 */
export function toGraphMessages(outbound: Outbound, listButton: string): GraphMessage[] {
  if (outbound.kind === 'typing') return [];
  if (outbound.kind === 'media') {
    const { kind, url, caption, fileName } = outbound.media;
    const body: Record<string, unknown> = { link: url };
    if (caption && kind !== 'audio') body['caption'] = caption.slice(0, INTERACTIVE_BODY_MAX);
    if (fileName && kind === 'document') body['filename'] = fileName;
    return [{ type: kind, [kind]: body }];
  }
  const messages: GraphMessage[] = [];
  for (const piece of render(outbound, whatsappCloudCapabilities)) {
    const options = piece.options;
    if (!options || options.style === 'numbered') {
      messages.push(textBody(piece.text));
      continue;
    }
    // Interactive bodies are shorter than texts: what does not fit goes first, as plain text.
    const parts = split(piece.text, INTERACTIVE_BODY_MAX);
    const body = parts.pop() ?? '…';
    for (const part of parts) messages.push(textBody(part));
    const ids = optionIds(options.buttons, options.style === 'buttons' ? BUTTON_ID_MAX : ROW_ID_MAX);
    messages.push(
      options.style === 'buttons'
        ? {
            type: 'interactive',
            interactive: {
              type: 'button',
              body: { text: body },
              action: {
                buttons: options.buttons.map((button, index) => ({ type: 'reply', reply: { id: ids[index], title: button.label } })),
              },
            },
          }
        : {
            type: 'interactive',
            interactive: {
              type: 'list',
              body: { text: body },
              action: {
                button: [...listButton].slice(0, LIST_BUTTON_MAX).join(''),
                sections: [{ rows: options.buttons.map((button, index) => ({ id: ids[index], title: button.label })) }],
              },
            },
          },
    );
  }
  return messages;
}

function textBody(text: string): GraphMessage {
  return { type: 'text', text: { preview_url: false, body: text } };
}

/**
 * The ids sent with the options. They are the buttons' payloads, which come back as the reply's
 * id, so a flow never sees the difference from other channels. When a payload is longer than the
 * platform allows, or two options share one, every option is sent as "croupier-option:<n>"
 * instead, and {@link optionFromId} maps the reply back through the transcript.
 */
export function optionIds(buttons: readonly Button[], max: number): string[] {
  const payloads = buttons.map((button) => button.payload);
  const usable = payloads.every((p) => p.length > 0 && [...p].length <= max) && new Set(payloads).size === payloads.length;
  return usable ? payloads : buttons.map((_button, index) => `croupier-option:${index + 1}`);
}

/**
 * The payload a reply id stands for, given the buttons of the message it answered: the id itself,
 * unless those buttons were sent as indexed ids and this is one of them.
 */
export function optionFromId(id: string, buttons: readonly Button[] | undefined): string {
  const match = INDEX_ID.exec(id);
  if (!match || !buttons || buttons.length === 0) return id;
  const style = chooseOptions(buttons, whatsappCloudCapabilities).style;
  if (style === 'numbered') return id;
  const indexed = optionIds(buttons, style === 'buttons' ? BUTTON_ID_MAX : ROW_ID_MAX)[0] !== buttons[0]?.payload;
  const chosen = buttons[Number(match[1]) - 1];
  return indexed && chosen ? chosen.payload : id;
}

export function isIndexedOptionId(id: string): boolean {
  return INDEX_ID.test(id);
}

/** "Options" in the languages the shipped content speaks; `channels.whatsapp-cloud.listButton` adds or overrides. */
export const LIST_BUTTON_LABELS: Readonly<Record<string, string>> = {
  en: 'Options',
  es: 'Ver opciones',
  de: 'Optionen',
  ru: 'Варианты',
  ro: 'Opțiuni',
};
