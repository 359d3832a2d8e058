import { describe, expect, it } from 'vitest';
import { isCroupierError } from '../../../src/core/errors.js';
import { readNotification, toInbound, type WhatsAppMessage } from '../../../adapters/whatsapp-cloud/webhook.js';
import { buttonReply, image, listReply, messages, PHONE_NUMBER_ID, PLAYER, statuses, templateButton, text } from './fake-graph.js';

const at = new Date('2026-03-01T12:00:00Z');
const now = new Date('2026-03-01T12:00:05Z');

function one(message: Record<string, unknown>) {
  const [change] = readNotification(messages([message]));
  const wa = change!.messages[0] as WhatsAppMessage;
  return toInbound(wa, change!.contacts, change!.phoneNumberId, now);
}

describe('WhatsApp notifications → Inbound', () => {
  it('text: the body, the sender and their profile name, the platform time, the wamid', () => {
    expect(one(text('wamid.A', 'hola, no me llega el retiro', at))).toEqual({
      platformMessageId: 'wamid.A',
      channel: 'whatsapp-cloud',
      conversationKey: PLAYER,
      sender: { channel: 'whatsapp-cloud', userId: PLAYER, displayName: 'Lucía' },
      text: 'hola, no me llega el retiro',
      attachments: [],
      receivedAt: at,
      raw: expect.objectContaining({ phoneNumberId: PHONE_NUMBER_ID }) as unknown,
    });
  });

  it('interactive replies and template buttons carry their id / payload', () => {
    expect(one(buttonReply('wamid.B', 'choice:yes', 'Sí', at))).toMatchObject({ payload: 'choice:yes', text: 'Sí' });
    expect(one(listReply('wamid.C', 'flow:bonus_terms', 'Bonos', at))).toMatchObject({ payload: 'flow:bonus_terms', text: 'Bonos' });
    expect(one(templateButton('wamid.D', 'RESUME', 'Continuar', at))).toMatchObject({ payload: 'RESUME', text: 'Continuar' });
  });

  it('media become attachments with the platform media id; location becomes a geo: attachment', () => {
    expect(one(image('wamid.E', at))).toMatchObject({
      attachments: [{ kind: 'image', platformFileId: '1003383421387256', mimeType: 'image/jpeg' }],
    });
    expect(one(image('wamid.E', at))?.text).toBeUndefined();
    const base = { from: PLAYER, timestamp: String(at.getTime() / 1000) };
    expect(
      one({
        ...base,
        id: 'wamid.F',
        type: 'document',
        document: { filename: 'extracto.pdf', mime_type: 'application/pdf', sha256: 'x', id: '777' },
      }),
    ).toMatchObject({ attachments: [{ kind: 'document', platformFileId: '777', fileName: 'extracto.pdf', mimeType: 'application/pdf' }] });
    expect(
      one({ ...base, id: 'wamid.G', type: 'audio', audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'x', id: '888', voice: true } }),
    ).toMatchObject({
      attachments: [{ kind: 'audio', platformFileId: '888' }],
    });
    expect(one({ ...base, id: 'wamid.H', type: 'video', video: { mime_type: 'video/mp4', sha256: 'x', id: '999' } })).toMatchObject({
      attachments: [{ kind: 'video', platformFileId: '999' }],
    });
    expect(
      one({ ...base, id: 'wamid.I', type: 'sticker', sticker: { mime_type: 'image/webp', sha256: 'x', id: '555', animated: false } }),
    ).toMatchObject({
      attachments: [{ kind: 'sticker', platformFileId: '555' }],
    });
    expect(
      one({
        ...base,
        id: 'wamid.J',
        type: 'location',
        location: { latitude: 40.4168, longitude: -3.7038, name: 'Sol', address: 'Puerta del Sol, Madrid' },
      }),
    ).toMatchObject({ attachments: [{ kind: 'location', url: 'geo:40.4168,-3.7038', caption: 'Sol, Puerta del Sol, Madrid' }] });
  });

  it('reactions and system notices are not turns; unknown types are Inbounds without text, kept in raw', () => {
    const base = { from: PLAYER, timestamp: '1772366400' };
    expect(one({ ...base, id: 'wamid.K', type: 'reaction', reaction: { message_id: 'wamid.OUT1', emoji: '👍' } })).toBeUndefined();
    expect(
      one({ ...base, id: 'wamid.L', type: 'system', system: { body: 'changed number', type: 'user_changed_number' } }),
    ).toBeUndefined();
    const unsupported = one({ ...base, id: 'wamid.M', type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown' }] });
    expect(unsupported).toMatchObject({ platformMessageId: 'wamid.M', attachments: [] });
    expect(unsupported?.text).toBeUndefined();
    expect((unsupported?.raw as { message: { type: string } }).message.type).toBe('unsupported');
  });

  it('statuses and other webhook fields are read without becoming messages', () => {
    const [change] = readNotification(statuses([{ id: 'wamid.OUT1', status: 'delivered', at }]));
    expect(change).toMatchObject({ messages: [], statuses: [{ id: 'wamid.OUT1', status: 'delivered', recipient_id: PLAYER }] });
    expect(
      readNotification({
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }],
      }),
    ).toEqual([]);
  });

  it('refuses what is not a WhatsApp notification with a coded error naming the field', () => {
    const attempt = (body: unknown) => {
      try {
        readNotification(body);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    for (const body of [null, [], { object: 'page', entry: [] }, { object: 'whatsapp_business_account' }]) {
      expect(isCroupierError(attempt(body), 'CROUPIER_INPUT_INVALID')).toBe(true);
    }
    const noFrom = attempt(messages([{ id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'hola' } }]));
    expect(isCroupierError(noFrom, 'CROUPIER_INPUT_INVALID')).toBe(true);
    expect((noFrom as Error).message).toContain('messages.0.from');
    const badTime = attempt(messages([{ id: 'wamid.X', from: PLAYER, timestamp: 'yesterday', type: 'text', text: { body: 'hola' } }]));
    expect((badTime as Error).message).toContain('timestamp');
  });
});
