import { describe, expect, it } from 'vitest';
import { messageCallback, messageToInbound, rawOf, validate } from '../../../adapters/viber/callbacks.js';
import { parseViberJson } from '../../../adapters/viber/api.js';
import { keyboardFor, labelFrom, payloadFrom, toViberMessages, trackingFor } from '../../../adapters/viber/render.js';
import { textMessage as anyMessage, type Button, type Outbound } from '../../../src/core/message.js';
import { numberedMenu } from '../../../src/core/render.js';

const textMessage = (text: string, options?: readonly Button[]) => anyMessage(text, options) as Extract<Outbound, { kind: 'text' }>;
const buttons = (count: number, label = (i: number) => `Option ${i}`): Button[] =>
  Array.from({ length: count }, (_, i) => ({ label: label(i + 1), payload: `choice:${i + 1}` }));

describe('Viber rendering', () => {
  it('shows up to 6 buttons as a reply keyboard whose ActionBody is the marked payload', () => {
    const [message] = toViberMessages(textMessage('Pick one', buttons(4)));
    expect(message?.text).toBe('Pick one');
    expect(message?.keyboard?.Buttons).toEqual([
      { Columns: 3, Rows: 1, ActionType: 'reply', ActionBody: 'cr:choice:1', Text: 'Option 1', TextSize: 'regular' },
      { Columns: 3, Rows: 1, ActionType: 'reply', ActionBody: 'cr:choice:2', Text: 'Option 2', TextSize: 'regular' },
      { Columns: 3, Rows: 1, ActionType: 'reply', ActionBody: 'cr:choice:3', Text: 'Option 3', TextSize: 'regular' },
      { Columns: 3, Rows: 1, ActionType: 'reply', ActionBody: 'cr:choice:4', Text: 'Option 4', TextSize: 'regular' },
    ]);
    expect(labelFrom(message?.tracking_data, 'choice:3')).toBe('Option 3');
  });

  it('gives long labels a row of their own and shows markup characters as written', () => {
    const keyboard = keyboardFor([
      { label: 'I can’t log in to my account', payload: 'flow:login' },
      { label: '<b>Bonus</b> & more', payload: 'flow:bonus' },
    ]);
    expect(keyboard.Buttons.map((b) => b.Columns)).toEqual([6, 6]);
    expect(keyboard.Buttons[1]?.Text).toBe('&lt;b&gt;Bonus&lt;/b&gt; &amp; more');
    expect(keyboardFor([{ label: 'Yes', payload: 'choice:yes' }]).Buttons[0]?.Columns).toBe(6);
  });

  it('turns more than 6 options, or a label over 40 characters, into a numbered menu without a keyboard', () => {
    const many = buttons(7);
    const [seven] = toViberMessages(textMessage('Pick one', many));
    expect(seven?.keyboard).toBeUndefined();
    expect(seven?.text).toBe(`Pick one\n\n${numberedMenu(many)}`);
    const long = buttons(2, (i) => `${'A very long option label that goes on '.repeat(2)}${i}`);
    const [numbered] = toViberMessages(textMessage('Pick one', long));
    expect(numbered?.keyboard).toBeUndefined();
    expect(numbered?.text).toContain('1. A very long option label');
  });

  it('splits a text over 7000 characters and puts the keyboard on the last piece', () => {
    const text = `${'Paragraph one. '.repeat(300)}\n\n${'Paragraph two. '.repeat(300)}`;
    const pieces = toViberMessages(textMessage(text, buttons(2)));
    expect(pieces.length).toBe(2);
    expect(pieces.every((piece) => piece.text.length <= 7000)).toBe(true);
    expect(pieces[0]?.keyboard).toBeUndefined();
    expect(pieces[1]?.keyboard?.Buttons).toHaveLength(2);
  });

  it('sends a picture as a picture and other media as their link', () => {
    expect(
      toViberMessages({ kind: 'media', author: 'agent', media: { kind: 'image', url: 'https://x.test/a.png', caption: 'Receipt' } }),
    ).toEqual([{ type: 'picture', text: 'Receipt', media: 'https://x.test/a.png' }]);
    expect(
      toViberMessages({
        kind: 'media',
        author: 'agent',
        media: { kind: 'document', url: 'https://x.test/terms.pdf', fileName: 'terms.pdf' },
      }),
    ).toEqual([{ type: 'text', text: 'terms.pdf\nhttps://x.test/terms.pdf' }]);
  });

  it('reads a button press only from marked text, and labels only from our own tracking data', () => {
    expect(payloadFrom('cr:flow:vip')).toBe('flow:vip');
    expect(payloadFrom('cr:')).toBeUndefined();
    expect(payloadFrom('hello')).toBeUndefined();
    expect(labelFrom('tracking data', 'flow:vip')).toBeUndefined();
    expect(labelFrom('{"croupier":', 'flow:vip')).toBeUndefined();
    expect(labelFrom(trackingFor([{ label: 'VIP', payload: 'flow:vip' }]), 'flow:other')).toBeUndefined();
    expect(labelFrom(trackingFor([{ label: 'VIP', payload: 'flow:vip' }]), '__proto__')).toBeUndefined();
    expect(trackingFor(buttons(6, () => 'x'.repeat(800)))).toBeUndefined();
  });
});

describe('Viber callbacks', () => {
  const parse = (text: string) => {
    const body = parseViberJson(text);
    const callback = validate(messageCallback, body);
    return messageToInbound(callback, rawOf(body, callback.message_token), new Date('2026-01-01T00:00:00Z'));
  };
  const callback = (message: string) =>
    `{"event":"message","timestamp":1457764197627,"message_token":4912661846655238145,"sender":{"id":"01234567890A=","name":"John McClane","language":"de"},"message":${message}}`;

  it('maps a text message with sender, locale hint, time and the exact token', () => {
    const inbound = parse(callback('{"type":"text","text":"Hallo"}'));
    expect(inbound).toMatchObject({
      platformMessageId: '4912661846655238145',
      channel: 'viber',
      conversationKey: '01234567890A=',
      sender: { userId: '01234567890A=', displayName: 'John McClane', localeHint: 'de' },
      text: 'Hallo',
      attachments: [],
      receivedAt: new Date(1457764197627),
    });
    expect((inbound.raw as { message_token: string }).message_token).toBe('4912661846655238145');
  });

  it('maps pictures, files, stickers, locations and links', () => {
    expect(parse(callback('{"type":"picture","text":"my deposit","media":"https://v.test/p.jpg"}'))).toMatchObject({
      text: 'my deposit',
      attachments: [{ kind: 'image', url: 'https://v.test/p.jpg', caption: 'my deposit' }],
    });
    expect(parse(callback('{"type":"file","media":"https://v.test/f","file_name":"id.pdf","size":1000}')).attachments).toEqual([
      { kind: 'document', url: 'https://v.test/f', fileName: 'id.pdf' },
    ]);
    expect(parse(callback('{"type":"sticker","sticker_id":46105}')).attachments).toEqual([{ kind: 'sticker', platformFileId: '46105' }]);
    expect(parse(callback('{"type":"location","location":{"lat":50.76891,"lon":6.11499}}')).attachments).toEqual([
      { kind: 'location', url: 'geo:50.76891,6.11499' },
    ]);
    expect(parse(callback('{"type":"url","media":"https://casino.test/promo"}')).text).toBe('https://casino.test/promo');
    expect(parse(callback('{"type":"contact","contact":{"name":"Ann","phone_number":"+100"}}')).attachments).toEqual([{ kind: 'other' }]);
  });

  it('refuses callbacks without a usable token or sender with a coded error', () => {
    expect(() => parse('{"event":"message","message_token":-1,"sender":{"id":"a"},"message":{"type":"text"}}')).toThrow(/message_token/);
    expect(() => parse('{"event":"message","message_token":1.5,"sender":{"id":"a"},"message":{"type":"text"}}')).toThrow(/message_token/);
    expect(() => parse('{"event":"message","message_token":1,"sender":{"id":""},"message":{"type":"text"}}')).toThrow(/sender\.id/);
    expect(() => parseViberJson('{"a":1,"a":2}')).toThrow(/not valid JSON/);
  });
});
