/**
 * Activities as the Bot Framework channels send them (shapes taken from Web Chat / Direct Line,
 * the Bot Framework Emulator, Microsoft Teams and the Twilio SMS channel), with the serviceUrl
 * pointed at the local fake connector.
 */
type Json = Record<string, unknown>;

let sequence = 0;
const next = () => String(++sequence).padStart(7, '0');

export function webChatMessage(serviceUrl: string, conversationId: string, fields: Json = {}): Json {
  return {
    type: 'message',
    id: `${conversationId}|${next()}`,
    timestamp: '2024-05-14T09:12:33.1234567Z',
    localTimestamp: '2024-05-14T11:12:33.123+02:00',
    localTimezone: 'Europe/Madrid',
    serviceUrl,
    channelId: 'webchat',
    from: { id: 'dl_2c7f6a2e-4b1d-4f83-9b7e-1f0c2d3e4a5b', name: 'You' },
    conversation: { id: conversationId },
    recipient: { id: 'croupier-bot@Xz7-ab12', name: 'Croupier' },
    textFormat: 'plain',
    locale: 'en-US',
    entities: [{ type: 'ClientCapabilities', requiresBotState: true, supportsListening: true, supportsTts: true }],
    channelData: { clientActivityID: `1715677953${next()}` },
    ...fields,
  };
}

/** What Web Chat sends when a messageBack suggested action is pressed. */
export function webChatButton(serviceUrl: string, conversationId: string, label: string, payload: string): Json {
  return webChatMessage(serviceUrl, conversationId, {
    text: label,
    value: { payload },
    channelData: { clientActivityID: `1715677960${next()}`, messageBack: { displayText: label } },
  });
}

export const EMULATOR_BOT = { id: '8a0b7c10-1211-11ef-9c3a-7b1d2e3f4a5b', name: 'Bot', role: 'bot' };
export const EMULATOR_USER = { id: 'r5b5c2i1ef0a-1b2c', name: 'User', role: 'user' };

export function emulatorMessage(serviceUrl: string, conversationId: string, text: string, fields: Json = {}): Json {
  return {
    type: 'message',
    text,
    from: EMULATOR_USER,
    locale: 'en-US',
    textFormat: 'plain',
    timestamp: '2024-05-14T09:20:01.000Z',
    channelData: { clientActivityID: `171567840${next()}`, clientTimestamp: '2024-05-14T09:20:01.000Z' },
    entities: [{ requiresBotState: true, supportsListening: true, supportsTts: true, type: 'ClientCapabilities' }],
    id: `e4ac9c40-1211-11ef-${next()}`,
    channelId: 'emulator',
    localTimestamp: '2024-05-14T11:20:01+02:00',
    recipient: EMULATOR_BOT,
    conversation: { id: conversationId },
    serviceUrl,
    ...fields,
  };
}

export function emulatorConversationUpdate(serviceUrl: string, conversationId: string, membersAdded: Json[]): Json {
  return {
    type: 'conversationUpdate',
    membersAdded,
    channelId: 'emulator',
    conversation: { id: conversationId },
    id: `f10a2b30-1211-11ef-${next()}`,
    localTimestamp: '2024-05-14T11:19:58+02:00',
    recipient: EMULATOR_BOT,
    timestamp: '2024-05-14T09:19:58.000Z',
    from: EMULATOR_USER,
    locale: 'en-US',
    serviceUrl,
  };
}

export const TEAMS_BOT = { id: '28:5f0c1e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f', name: 'Croupier' };
export const TEAMS_USER = {
  id: '29:1pQ3rS-tUvWxYz0aBcDeFgHiJkLmNoPqRsTuVwXyZ',
  name: 'Ana López',
  aadObjectId: '6f1e2d3c-4b5a-4968-8776-655443322110',
};

export function teamsMessage(serviceUrl: string, conversationId: string, text: string): Json {
  const mention = '<at>Croupier</at>';
  return {
    text: `${mention} ${text}`,
    textFormat: 'plain',
    attachments: [
      {
        contentType: 'text/html',
        content: `<p><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">Croupier</span>&nbsp;${text}</p>`,
      },
    ],
    type: 'message',
    timestamp: '2024-05-14T09:30:00.123Z',
    localTimestamp: '2024-05-14T11:30:00.123+02:00',
    id: `17156790${next()}`,
    channelId: 'msteams',
    serviceUrl,
    from: TEAMS_USER,
    conversation: { conversationType: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', id: conversationId },
    recipient: TEAMS_BOT,
    entities: [
      { mentioned: TEAMS_BOT, text: mention, type: 'mention' },
      { locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/Madrid', type: 'clientInfo' },
    ],
    channelData: { tenant: { id: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
    locale: 'en-US',
    localTimezone: 'Europe/Madrid',
  };
}

export function smsMessage(serviceUrl: string, phone: string, text: string): Json {
  return {
    type: 'message',
    id: `SM${next()}4e1f9a2b3c4d5e6f7a8b9c0d1e2f3a`,
    timestamp: '2024-05-14T09:40:00.000Z',
    serviceUrl,
    channelId: 'sms',
    from: { id: phone, name: phone },
    conversation: { isGroup: false, id: phone },
    recipient: { id: '+15005550006', name: 'croupier' },
    text,
    channelData: { From: phone, To: '+15005550006', Body: text, NumMedia: '0' },
  };
}
