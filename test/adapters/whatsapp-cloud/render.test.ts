import { describe, expect, it } from 'vitest';
import { textMessage, type Button } from '../../../src/core/message.js';
import { showsNumbered } from '../../../src/core/render.js';
import {
  INTERACTIVE_BODY_MAX,
  optionFromId,
  optionIds,
  toGraphMessages,
  whatsappCloudCapabilities,
  type GraphMessage,
} from '../../../adapters/whatsapp-cloud/render.js';

const buttons = (labels: string[], payload = (i: number) => `choice:${i + 1}`): Button[] =>
  labels.map((label, i) => ({ label, payload: payload(i) }));

type Interactive = {
  type: 'button' | 'list';
  body: { text: string };
  action: {
    buttons?: { type: string; reply: { id: string; title: string } }[];
    button?: string;
    sections?: { rows: { id: string; title: string }[] }[];
  };
};
const interactive = (message: GraphMessage | undefined) => message?.['interactive'] as Interactive;
const textOf = (message: GraphMessage | undefined) => (message?.['text'] as { body: string }).body;

describe('WhatsApp Cloud rendering (buttons → list → numbered text)', () => {
  it('up to three options with titles of at most 20 characters are reply buttons, ids = payloads', () => {
    const out = toGraphMessages(textMessage('¿Te he resuelto la duda?', buttons(['Sí', 'No'])), 'Ver opciones');
    expect(out).toEqual([
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: '¿Te he resuelto la duda?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'choice:1', title: 'Sí' } },
              { type: 'reply', reply: { id: 'choice:2', title: 'No' } },
            ],
          },
        },
      },
    ]);
    const three = toGraphMessages(textMessage('x', buttons(['12345678901234567890', 'b', 'c'])), 'Opciones');
    expect(interactive(three[0]).type).toBe('button');
  });

  it('four options, or a title of 21–24 characters, become a list with one section', () => {
    const four = toGraphMessages(textMessage('¿Qué pasa?', buttons(['a', 'b', 'c', 'd'])), 'Ver opciones');
    expect(interactive(four[0])).toEqual({
      type: 'list',
      body: { text: '¿Qué pasa?' },
      action: {
        button: 'Ver opciones',
        sections: [
          {
            rows: [
              { id: 'choice:1', title: 'a' },
              { id: 'choice:2', title: 'b' },
              { id: 'choice:3', title: 'c' },
              { id: 'choice:4', title: 'd' },
            ],
          },
        ],
      },
    });
    const longTitle = toGraphMessages(textMessage('x', buttons(['Mi código no funciona', 'b'])), 'Opciones');
    expect(interactive(longTitle[0]).type).toBe('list');
    const ten = toGraphMessages(textMessage('x', buttons(Array.from({ length: 10 }, (_, i) => `opción ${i + 1}`))), 'Opciones');
    expect(interactive(ten[0]).action.sections?.[0]?.rows).toHaveLength(10);
    // The label that opens the list is cut to 20 characters.
    const label = toGraphMessages(textMessage('x', buttons(['a', 'b', 'c', 'd'])), 'Ver todas las opciones disponibles');
    expect(interactive(label[0]).action.button).toBe('Ver todas las opcion');
  });

  it('eleven options, or a title longer than 24 characters, become numbered text (the numbered-reply stage maps "2")', () => {
    const eleven = buttons(Array.from({ length: 11 }, (_, i) => `opción ${i + 1}`));
    const out = toGraphMessages(textMessage('Elige:', eleven), 'Opciones');
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe('text');
    expect(textOf(out[0])).toBe(`Elige:\n\n${eleven.map((b, i) => `${i + 1}. ${b.label}`).join('\n')}`);
    expect(showsNumbered(eleven, whatsappCloudCapabilities)).toBe(true);
    const long = buttons(['He olvidado la contraseña', 'b']);
    expect(toGraphMessages(textMessage('x', long), 'Opciones')[0]!.type).toBe('text');
    expect(showsNumbered(long, whatsappCloudCapabilities)).toBe(true);
  });

  it('an interactive body longer than 1024 characters sends the start as text and the last 1024 with the buttons', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Esta es la frase número ${i + 1} de un texto largo.`).join(' ');
    expect(sentences.length).toBeGreaterThan(2 * INTERACTIVE_BODY_MAX);
    const out = toGraphMessages(textMessage(sentences, buttons(['Sí', 'No'])), 'Opciones');
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out.slice(0, -1).every((m) => m.type === 'text' && textOf(m).length <= INTERACTIVE_BODY_MAX)).toBe(true);
    const last = interactive(out.at(-1));
    expect(last.type).toBe('button');
    expect(last.body.text.length).toBeLessThanOrEqual(INTERACTIVE_BODY_MAX);
    const joined = [...out.slice(0, -1).map(textOf), last.body.text].join(' ');
    expect(joined.replace(/\s+/g, ' ')).toBe(sentences);
  });

  it('plain text is split at 4096 characters, never into empty messages', () => {
    const paragraph = 'Texto de ayuda. '.repeat(200).trim();
    const long = `${paragraph}\n\n${paragraph}\n\n${paragraph}`;
    const out = toGraphMessages(textMessage(long), 'Opciones');
    // 3 × 3199 characters: one message per paragraph, cut at the paragraph breaks.
    expect(out.map(textOf)).toEqual([paragraph, paragraph, paragraph]);
    expect(out.every((m) => m.type === 'text' && textOf(m).length <= 4096 && textOf(m).trim() !== '')).toBe(true);
    expect(out[0]).toMatchObject({ type: 'text', text: { preview_url: false } });
    expect(textOf(toGraphMessages(textMessage('   '), 'Opciones')[0])).toBe('…');
  });

  it('payloads too long for an id (256 for buttons, 200 for rows) or repeated are sent as indexed ids and mapped back', () => {
    const long = 'goto:' + 'x'.repeat(250);
    const pair = [
      { label: 'Sí', payload: long },
      { label: 'No', payload: 'choice:no' },
    ];
    // 255 characters fit a reply button id.
    const asButtons = interactive(toGraphMessages(textMessage('x', pair), 'Opciones')[0]);
    expect(asButtons.action.buttons?.map((b) => b.reply.id)).toEqual([long, 'choice:no']);
    // …but not a list row id.
    const listed = [...pair, { label: 'c', payload: 'c' }, { label: 'd', payload: 'd' }];
    const asList = interactive(toGraphMessages(textMessage('x', listed), 'Opciones')[0]);
    const ids = asList.action.sections?.[0]?.rows.map((r) => r.id);
    expect(ids).toEqual(['croupier-option:1', 'croupier-option:2', 'croupier-option:3', 'croupier-option:4']);
    expect(optionFromId('croupier-option:1', listed)).toBe(long);
    expect(optionFromId('croupier-option:4', listed)).toBe('d');
    expect(optionFromId('croupier-option:9', listed)).toBe('croupier-option:9');
    // A message whose ids were the payloads keeps an id that merely looks indexed.
    expect(optionFromId('croupier-option:1', buttons(['a', 'b']))).toBe('croupier-option:1');
    expect(
      optionIds(
        [
          { label: 'a', payload: 'same' },
          { label: 'b', payload: 'same' },
        ],
        256,
      ),
    ).toEqual(['croupier-option:1', 'croupier-option:2']);
    expect(optionIds([{ label: 'a', payload: '' }], 256)).toEqual(['croupier-option:1']);
  });

  it('media: a link with caption (not for audio) and the file name for documents', () => {
    expect(
      toGraphMessages({ kind: 'media', author: 'agent', media: { kind: 'image', url: 'https://cdn.example/a.png', caption: 'Así' } }, ''),
    ).toEqual([{ type: 'image', image: { link: 'https://cdn.example/a.png', caption: 'Así' } }]);
    expect(
      toGraphMessages(
        {
          kind: 'media',
          author: 'agent',
          media: { kind: 'document', url: 'https://cdn.example/t.pdf', fileName: 'terminos.pdf', caption: 'Términos' },
        },
        '',
      ),
    ).toEqual([{ type: 'document', document: { link: 'https://cdn.example/t.pdf', caption: 'Términos', filename: 'terminos.pdf' } }]);
    expect(
      toGraphMessages({ kind: 'media', author: 'bot', media: { kind: 'audio', url: 'https://cdn.example/a.ogg', caption: 'x' } }, ''),
    ).toEqual([{ type: 'audio', audio: { link: 'https://cdn.example/a.ogg' } }]);
  });
});
