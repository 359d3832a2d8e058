import { describe, expect, it } from 'vitest';
import { serializedId, toInbound } from '../../../adapters/whatsapp-web/inbound.js';
import { FakeWhatsappClient, imageData, libraryMessage, locationData, messageData, PLAYER } from './fake-client.js';

const client = new FakeWhatsappClient();
const NOW = new Date('2026-03-01T12:00:00Z');
const map = (data: Record<string, unknown>) => toInbound(libraryMessage(client, data), NOW);
const inboundOf = (data: Record<string, unknown>) => {
  const mapped = map(data);
  if (!('inbound' in mapped)) throw new Error(`ignored: ${mapped.ignored}`);
  return mapped.inbound;
};

describe('WhatsApp Web messages → Inbound (real whatsapp-web.js Message objects)', () => {
  it('maps a text message: serialized id, chat as conversation and user, push name, timestamp', () => {
    const data = messageData({ body: 'hola, necesito ayuda' });
    const inbound = inboundOf(data);
    expect(inbound).toMatchObject({
      platformMessageId: (data['id'] as { _serialized: string })._serialized,
      channel: 'whatsapp-web',
      conversationKey: PLAYER,
      sender: { channel: 'whatsapp-web', userId: PLAYER, displayName: 'Ana' },
      text: 'hola, necesito ayuda',
      attachments: [],
      receivedAt: new Date((data['t'] as number) * 1000),
    });
    expect(inbound.raw).toMatchObject({ type: 'chat', from: PLAYER });
  });

  it('rebuilds the id when WhatsApp Web leaves _serialized out (wwebjs#201830)', () => {
    const data = messageData();
    const id = data['id'] as Record<string, unknown>;
    const expected = id['_serialized'];
    delete id['_serialized'];
    id['$1'] = expected;
    expect(inboundOf(data).platformMessageId).toBe(expected);
    expect(serializedId({ fromMe: false, remote: 'x@lid', id: 'ABC' })).toBe('false_x@lid_ABC');
    expect(serializedId(undefined)).toBeUndefined();
  });

  it('uses the caption, never the thumbnail body, for an image; the attachment carries id, type and caption', () => {
    const data = imageData('my ID card');
    const inbound = inboundOf(data);
    const id = (data['id'] as { _serialized: string })._serialized;
    expect(inbound.text).toBe('my ID card');
    expect(inbound.attachments).toEqual([{ kind: 'image', platformFileId: id, mimeType: 'image/jpeg', caption: 'my ID card' }]);
    // No thumbnail in what is stored for audits.
    expect(JSON.stringify(inbound.raw)).not.toContain('/9j/');
  });

  it('keeps an image without caption as a bare attachment', () => {
    const inbound = inboundOf(imageData());
    expect(inbound.text).toBeUndefined();
    expect(inbound.attachments[0]).toMatchObject({ kind: 'image' });
  });

  it('maps documents (file name), voice notes, audio, video and stickers by msg.type', () => {
    const doc = inboundOf(imageData('statement', { type: 'document', mimetype: 'application/pdf', filename: 'bank-statement.pdf' }));
    expect(doc.attachments[0]).toMatchObject({
      kind: 'document',
      mimeType: 'application/pdf',
      fileName: 'bank-statement.pdf',
      caption: 'statement',
    });
    expect(inboundOf(imageData(undefined, { type: 'ptt', mimetype: 'audio/ogg; codecs=opus', duration: 4 })).attachments[0]).toMatchObject({
      kind: 'audio',
    });
    expect(inboundOf(imageData(undefined, { type: 'audio', mimetype: 'audio/mpeg' })).attachments[0]?.kind).toBe('audio');
    expect(inboundOf(imageData(undefined, { type: 'video', mimetype: 'video/mp4' })).attachments[0]?.kind).toBe('video');
    expect(inboundOf(imageData(undefined, { type: 'sticker', mimetype: 'image/webp' })).attachments[0]?.kind).toBe('sticker');
  });

  it('reads the caption from the model when the media can no longer be downloaded (no directPath)', () => {
    const inbound = inboundOf(imageData('blurry photo', { directPath: undefined }));
    expect(inbound.text).toBe('blurry photo');
    expect(inbound.attachments[0]).toMatchObject({ kind: 'image', caption: 'blurry photo' });
  });

  it('maps a shared location to a geo: attachment with the place, not the map thumbnail', () => {
    const inbound = inboundOf(locationData());
    expect(inbound.text).toBeUndefined();
    expect(inbound.attachments).toEqual([
      expect.objectContaining({ kind: 'location', url: 'geo:40.4168,-3.7038', caption: 'Royal Ace Lounge\nCalle Mayor 1, Madrid' }),
    ]);
  });

  it('shows a contact card as "something was sent", without copying the card', () => {
    const inbound = inboundOf(messageData({ type: 'vcard', body: 'BEGIN:VCARD\nTEL:+34600999888\nEND:VCARD' }));
    expect(inbound.text).toBeUndefined();
    expect(inbound.attachments).toEqual([expect.objectContaining({ kind: 'other' })]);
    expect(JSON.stringify(inbound.raw)).not.toContain('600999888');
  });

  it('ignores own messages, status updates, groups, broadcast lists, newsletters, notifications and empty texts', () => {
    expect(map(messageData({ fromMe: true, to: PLAYER }))).toEqual({ ignored: 'own' });
    expect(map(messageData({ from: 'status@broadcast', author: PLAYER }))).toEqual({ ignored: 'status' });
    expect(map(messageData({ isStatusV3: true }))).toEqual({ ignored: 'status' });
    expect(map(messageData({ from: '120363025246125486@g.us', author: PLAYER }))).toEqual({ ignored: 'group' });
    expect(map(messageData({ from: '1772366400@broadcast' }))).toEqual({ ignored: 'broadcast' });
    expect(map(messageData({ from: '120363144038483540@newsletter' }))).toEqual({ ignored: 'newsletter' });
    expect(map(messageData({ type: 'e2e_notification', body: '' }))).toEqual({ ignored: 'system' });
    expect(map(messageData({ type: 'revoked', body: '' }))).toEqual({ ignored: 'system' });
    expect(map(messageData({ body: '   ' }))).toEqual({ ignored: 'empty' });
  });

  it('accepts a private chat addressed by LID (newer accounts) like a phone chat', () => {
    const inbound = inboundOf(messageData({ from: '107914528129035@lid' }));
    expect(inbound.conversationKey).toBe('107914528129035@lid');
  });

  it('falls back to the receive time when the message has no timestamp', () => {
    expect(inboundOf(messageData({ t: undefined })).receivedAt).toEqual(NOW);
  });
});
