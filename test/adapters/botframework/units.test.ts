import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { activitySchema, messageInbound, welcomeInbound } from '../../../adapters/botframework/activity.js';
import { createBotframeworkChannel } from '../../../adapters/botframework/index.js';
import { botframeworkCapabilities, surfaceFor, toActivities } from '../../../adapters/botframework/render.js';
import { asPlatformError, retryAfterMs } from '../../../adapters/botframework/transport.js';
import { isRetryable } from '../../../src/core/delivery.js';
import { textMessage } from '../../../src/core/message.js';
import { chooseOptions } from '../../../src/core/render.js';
import type { ChannelContext } from '../../../src/server/channel.js';
import {
  EMULATOR_BOT,
  EMULATOR_USER,
  emulatorConversationUpdate,
  TEAMS_BOT,
  TEAMS_USER,
  teamsMessage,
  webChatButton,
  webChatMessage,
} from './activities.js';

const SERVICE = 'https://webchat.botframework.com/';
const NOW = new Date('2024-05-14T10:00:00Z');
const menu = (count: number, label = (i: number) => `Option ${i}`) =>
  Array.from({ length: count }, (_, i) => ({ label: label(i + 1), payload: `choice:${i + 1}` }));

describe('Bot Framework rendering', () => {
  it('Web Chat: messageBack suggested actions that keep the label and carry the payload', () => {
    const [activity] = toActivities(textMessage('Pick one', menu(2)), surfaceFor('webchat'), 'user-1');
    expect(activity).toEqual({
      type: 'message',
      text: 'Pick one',
      textFormat: 'plain',
      suggestedActions: {
        actions: [
          { type: 'messageBack', title: 'Option 1', text: 'Option 1', displayText: 'Option 1', value: { payload: 'choice:1' } },
          { type: 'messageBack', title: 'Option 2', text: 'Option 2', displayText: 'Option 2', value: { payload: 'choice:2' } },
        ],
      },
    });
    // ten fit, eleven become a numbered menu
    expect(toActivities(textMessage('Pick', menu(10)), surfaceFor('directline'))[0]?.suggestedActions?.actions).toHaveLength(10);
    const eleven = toActivities(textMessage('Pick', menu(11)), surfaceFor('emulator'))[0];
    expect(eleven?.suggestedActions).toBeUndefined();
    expect(eleven?.text).toContain('\n11. Option 11');
    // a label longer than 50 characters is not cut: the menu is numbered instead
    const long = toActivities(
      textMessage(
        'Pick',
        menu(2, (i) => `${'x'.repeat(50)}${i}`),
      ),
      surfaceFor('webchat'),
    )[0];
    expect(long?.suggestedActions).toBeUndefined();
  });

  it('Teams: at most three imBack actions, addressed to the player', () => {
    const [activity] = toActivities(textMessage('Did that help?', menu(3)), surfaceFor('msteams'), '29:abc');
    expect(activity?.suggestedActions).toEqual({
      to: ['29:abc'],
      actions: [
        { type: 'imBack', title: 'Option 1', value: 'Option 1' },
        { type: 'imBack', title: 'Option 2', value: 'Option 2' },
        { type: 'imBack', title: 'Option 3', value: 'Option 3' },
      ],
    });
    const four = toActivities(textMessage('Pick', menu(4)), surfaceFor('msteams'), '29:abc');
    expect(four[0]?.suggestedActions).toBeUndefined();
    expect(four[0]?.text).toBe('Pick\n\n1. Option 1\n2. Option 2\n3. Option 3\n4. Option 4');
    // an unknown Azure channel gets imBack without the Teams-only `to`
    expect(toActivities(textMessage('Pick', menu(2)), surfaceFor('slack'))[0]?.suggestedActions).toEqual({
      actions: [
        { type: 'imBack', title: 'Option 1', value: 'Option 1' },
        { type: 'imBack', title: 'Option 2', value: 'Option 2' },
      ],
    });
  });

  it('SMS and e-mail: options as numbered text; SMS splits at 1,600 characters', () => {
    for (const channel of ['sms', 'email']) {
      const [activity] = toActivities(textMessage('Pick', menu(2)), surfaceFor(channel));
      expect(activity?.suggestedActions).toBeUndefined();
      expect(activity?.text).toBe('Pick\n\n1. Option 1\n2. Option 2');
    }
    const sentence = 'Your withdrawal is on its way. ';
    const pieces = toActivities(textMessage(sentence.repeat(100), menu(2)), surfaceFor('sms'));
    expect(pieces.length).toBe(2);
    expect(pieces.every((piece) => (piece.text ?? '').length <= 1600)).toBe(true);
    expect(pieces[1]?.text).toMatch(/2\. Option 2$/);
  });

  it('Teams: long texts are split under the 40 KB message limit', () => {
    const pieces = toActivities(textMessage(`${'word '.repeat(5000)}`), surfaceFor('msteams'));
    expect(pieces).toHaveLength(2);
    expect(pieces.every((piece) => (piece.text ?? '').length <= 16_000)).toBe(true);
  });

  it('media become attachments, or a link on SMS; typing is sent only when it starts', () => {
    const media = {
      kind: 'media',
      author: 'agent',
      media: { kind: 'image', url: 'https://cdn.example.com/receipt.png?v=2', caption: 'Your receipt' },
    } as const;
    expect(toActivities(media, surfaceFor('webchat'))).toEqual([
      {
        type: 'message',
        textFormat: 'plain',
        text: 'Your receipt',
        attachments: [{ contentType: 'image/png', contentUrl: 'https://cdn.example.com/receipt.png?v=2' }],
      },
    ]);
    expect(toActivities(media, surfaceFor('sms'))).toEqual([
      { type: 'message', textFormat: 'plain', text: 'Your receipt\nhttps://cdn.example.com/receipt.png?v=2' },
    ]);
    expect(toActivities({ kind: 'typing', on: true }, surfaceFor('msteams'))).toEqual([{ type: 'typing' }]);
    expect(toActivities({ kind: 'typing', on: false }, surfaceFor('msteams'))).toEqual([]);
  });

  it('the pipeline-level capabilities are the tightest of the surfaces that show buttons', () => {
    // Whenever a surface with buttons falls back to numbers, the pipeline treats the menu as numbered too.
    for (const channel of ['webchat', 'msteams', 'slack']) {
      for (const count of [1, 3, 4, 11]) {
        for (const length of [10, 51]) {
          const buttons = menu(count, () => 'y'.repeat(length));
          const surface = surfaceFor(channel).capabilities;
          if (chooseOptions(buttons, surface).style === 'numbered') {
            expect(chooseOptions(buttons, botframeworkCapabilities).style, `${channel} ${count}×${length}`).toBe('numbered');
          }
        }
      }
    }
  });
});

describe('Bot Framework activities', () => {
  it('a Web Chat message becomes an Inbound keyed by conversation and activity id', () => {
    const activity = activitySchema.parse(webChatMessage(SERVICE, 'conv-1', { text: '  hola  ', locale: 'es-ES' }));
    expect(messageInbound(activity, NOW)).toMatchObject({
      platformMessageId: `webchat:conv-1|${activity.id ?? ''}`,
      channel: 'botframework',
      conversationKey: 'webchat:conv-1',
      sender: {
        channel: 'botframework',
        userId: 'webchat:dl_2c7f6a2e-4b1d-4f83-9b7e-1f0c2d3e4a5b',
        displayName: 'You',
        localeHint: 'es-ES',
      },
      text: 'hola',
      attachments: [],
      receivedAt: new Date('2024-05-14T09:12:33.123Z'),
    });
  });

  it('a pressed messageBack action carries its payload; an empty message carries nothing', () => {
    const pressed = activitySchema.parse(webChatButton(SERVICE, 'conv-1', 'Bonuses', 'flow:bonus_terms'));
    expect(messageInbound(pressed, NOW)).toMatchObject({ text: 'Bonuses', payload: 'flow:bonus_terms' });
    const empty = activitySchema.parse(webChatMessage(SERVICE, 'conv-1', { text: ' ' }));
    expect(messageInbound(empty, NOW)).toBeUndefined();
    const card = activitySchema.parse(webChatMessage(SERVICE, 'conv-1', { value: { rating: 5 } }));
    expect(messageInbound(card, NOW)).toBeUndefined();
  });

  it('Teams: the bot mention is removed and the HTML copy of the text is not a file', () => {
    const activity = activitySchema.parse(teamsMessage(SERVICE, 'a:1conv', 'where is my money?'));
    const inbound = messageInbound(activity, NOW);
    expect(inbound?.text).toBe('where is my money?');
    expect(inbound?.attachments).toEqual([]);
    // the original activity is kept as sent
    expect((inbound?.raw as { text: string }).text).toBe('<at>Croupier</at> where is my money?');
    const photo = activitySchema.parse({
      ...teamsMessage(SERVICE, 'a:1conv', ''),
      text: '',
      attachments: [
        {
          contentType: 'image/png',
          contentUrl: 'https://smba.trafficmanager.net/emea/v3/attachments/abc/views/original',
          name: 'screenshot.png',
        },
      ],
    });
    expect(messageInbound(photo, NOW)?.attachments).toEqual([
      {
        kind: 'image',
        url: 'https://smba.trafficmanager.net/emea/v3/attachments/abc/views/original',
        mimeType: 'image/png',
        fileName: 'screenshot.png',
      },
    ]);
  });

  it('an activity without an id is still deduplicated, by its digest', () => {
    const { id: _id, ...withoutId } = webChatMessage(SERVICE, 'conv-2', { text: 'hi' });
    const first = messageInbound(activitySchema.parse(withoutId), NOW);
    const again = messageInbound(activitySchema.parse(structuredClone(withoutId)), NOW);
    expect(first?.platformMessageId).toMatch(/^webchat:conv-2\|sha256:/);
    expect(again?.platformMessageId).toBe(first?.platformMessageId);
  });

  it('a conversationUpdate welcomes the first added member who is not the bot', () => {
    const update = activitySchema.parse(emulatorConversationUpdate(SERVICE, 'conv-3', [EMULATOR_BOT, EMULATOR_USER]));
    expect(welcomeInbound(update, 'flow:greeting', NOW)).toMatchObject({
      conversationKey: 'emulator:conv-3',
      sender: { userId: `emulator:${EMULATOR_USER.id}`, localeHint: 'en-US' },
      payload: 'flow:greeting',
    });
    const botOnly = activitySchema.parse(emulatorConversationUpdate(SERVICE, 'conv-3', [EMULATOR_BOT]));
    expect(welcomeInbound(botOnly, 'flow:greeting', NOW)).toBeUndefined();
  });

  it('Teams: installing the bot for a 1:1 chat welcomes the installer; adding it to a team does not', () => {
    const install = (conversationType: string) =>
      activitySchema.parse({
        type: 'conversationUpdate',
        id: `f:${conversationType}-install`,
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/emea/',
        from: TEAMS_USER,
        recipient: TEAMS_BOT,
        conversation: { conversationType, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', id: `a:1${conversationType}` },
        membersAdded: [{ id: TEAMS_BOT.id }],
        channelData: { tenant: { id: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
      });
    expect(welcomeInbound(install('personal'), 'flow:greeting', NOW)).toMatchObject({
      conversationKey: 'msteams:a:1personal',
      sender: { userId: `msteams:${TEAMS_USER.id}`, displayName: TEAMS_USER.name },
      payload: 'flow:greeting',
    });
    expect(welcomeInbound(install('channel'), 'flow:greeting', NOW)).toBeUndefined();
  });

  it('refuses what is not an activity the connector would send', () => {
    const valid = webChatMessage(SERVICE, 'conv-4', { text: 'hi' });
    expect(activitySchema.safeParse(valid).success).toBe(true);
    expect(activitySchema.safeParse({ ...valid, serviceUrl: 'file:///etc/passwd' }).success).toBe(false);
    expect(activitySchema.safeParse({ ...valid, conversation: {} }).success).toBe(false);
    expect(activitySchema.safeParse({ ...valid, type: 42 }).success).toBe(false);
  });
});

describe('Bot Framework transport', () => {
  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Tue, 14 May 2024 10:00:30 GMT', Date.parse('2024-05-14T10:00:00Z'))).toBe(30_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('classifies SDK failures for the shared retry policy', () => {
    expect(isRetryable(asPlatformError(Object.assign(new Error('Too Many Requests'), { statusCode: 429 })))).toBe(true);
    expect(isRetryable(asPlatformError(Object.assign(new Error('Forbidden'), { statusCode: 403 })))).toBe(false);
    expect(asPlatformError(new Error('token endpoint unreachable'))).toMatchObject({
      code: 'CROUPIER_NETWORK',
      details: { retryable: true },
    });
  });
});

describe('Bot Framework identity', () => {
  const context = (env: Record<string, string>) =>
    ({
      config: { channels: { botframework: { enabled: true, welcomePayload: null } } },
      env,
      log: pino({ level: 'silent' }),
      store: {},
      publicUrl: () => 'https://support.example.com',
    }) as unknown as ChannelContext;

  it('refuses a half-configured identity', () => {
    const appId = '5f0c1e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
    for (const env of <Record<string, string>[]>[
      { MICROSOFT_APP_ID: appId },
      { MICROSOFT_APP_PASSWORD: 'secret-without-id' },
      { MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_APP_TYPE: 'SingleTenant' },
      { MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_APP_TYPE: 'Personal' },
      { MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_BOT_OPENID_METADATA: 'ftp://keys' },
    ]) {
      expect(() => createBotframeworkChannel(context(env)), JSON.stringify(env)).toThrow(
        expect.objectContaining({ code: 'CROUPIER_CONFIG_INVALID' }),
      );
    }
    expect(createBotframeworkChannel(context({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x' }))?.describe()[0]).toBe(
      'botframework: messaging endpoint https://support.example.com/api/messages (Azure Bot Service → Configuration), authentication on',
    );
    expect(createBotframeworkChannel(context({}))?.describe()[0]).toMatch(/authentication OFF/);
  });
});
