import type { Activity, CardAction, SuggestedActions } from 'botbuilder';
import type { Media, Outbound } from '../../src/core/message.js';
import { render, type ChannelCapabilities } from '../../src/core/render.js';

/**
 * One Bot Framework registration reaches several surfaces (Teams, Web Chat, e-mail, SMS…), told
 * apart by `activity.channelId`. Each gets its own limits and its own kind of suggested action.
 *
 * Sources for the numbers:
 * - Teams shows at most three suggested actions and supports `imBack` for them ("Teams displays
 *   only the first three", learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/suggested-actions).
 * - A Teams bot message may be at most 40 KB, counted as the whole payload encoded in UTF-16
 *   (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages), i.e. ~20,000
 *   code units including the JSON envelope; Teams' own composer stops at about 28 KB per post. We
 *   split at 16,000 code units, which stays under both with room for the envelope and actions.
 * - Web Chat, Direct Line and the Emulator render suggested actions, `messageBack` included; the
 *   SDK's choice factory allows up to 100 of them there (botbuilder-dialogs choices/channel.ts). We
 *   show at most 10, like the web widget. No channel documents a limit on an action's title: 50
 *   characters is our readability choice, longer labels fall back to a numbered menu.
 * - SMS (Twilio) and e-mail show no suggested actions (Azure Bot Service "Channels reference"), so
 *   options become numbered text. Twilio caps a message body at 1,600 characters.
 */
export interface Surface {
  readonly capabilities: ChannelCapabilities;
  /**
   * How buttons come back: `messageBack` carries the payload in `activity.value` while the chat
   * shows the label; `imBack` posts the label as the player's message (mapped back to the payload
   * from the last options we sent); `null` when the surface shows no buttons (numbered text).
   */
  readonly actions: 'messageBack' | 'imBack' | null;
  /** Teams expects `suggestedActions.to` to name the recipient. */
  readonly addressed: boolean;
  /** Media go as a link in the text (SMS), not as an attachment. */
  readonly mediaAsLink: boolean;
}

const TEXT_MAX = 16_000;

const webChat: Surface = {
  capabilities: { buttons: { max: 10, labelMax: 50 }, textMax: TEXT_MAX, formatting: 'plain' },
  actions: 'messageBack',
  addressed: false,
  mediaAsLink: false,
};
const teams: Surface = {
  capabilities: { buttons: { max: 3, labelMax: 50 }, textMax: TEXT_MAX, formatting: 'plain' },
  actions: 'imBack',
  addressed: true,
  mediaAsLink: false,
};
/** Channels we have not tuned for (Slack, Telegram, LINE… through Azure): `imBack` is the common denominator. */
const other: Surface = { ...teams, addressed: false };
const sms: Surface = {
  capabilities: { buttons: null, textMax: 1_600, formatting: 'plain' },
  actions: null,
  addressed: false,
  mediaAsLink: true,
};
const email: Surface = {
  capabilities: { buttons: null, textMax: TEXT_MAX, formatting: 'plain' },
  actions: null,
  addressed: false,
  mediaAsLink: false,
};

const SURFACES: Readonly<Record<string, Surface>> = {
  webchat: webChat,
  directline: webChat,
  directlinespeech: webChat,
  emulator: webChat,
  test: webChat,
  msteams: teams,
  sms,
  'twilio-sms': sms,
  email,
};

export function surfaceFor(channelId: string | undefined): Surface {
  return (channelId !== undefined ? SURFACES[channelId] : undefined) ?? other;
}

/**
 * What the pipeline is told this channel can show (it decides whether a typed "2" answers a
 * numbered menu). It is the tightest of the surfaces that show buttons, so whenever any of them
 * fell back to numbers the pipeline maps the number; surfaces without buttons (SMS, e-mail) map
 * numbers in the adapter, and a surface that showed real buttons is not harmed by the mapping.
 */
export const botframeworkCapabilities: ChannelCapabilities = {
  buttons: { max: 3, labelMax: 50 },
  textMax: 1_600,
  formatting: 'plain',
};

/** The activities one Outbound becomes on a surface: text pieces with the options on the last one. */
export function toActivities(outbound: Outbound, surface: Surface, recipientId?: string): Partial<Activity>[] {
  if (outbound.kind === 'typing') return outbound.on ? [{ type: 'typing' }] : [];
  if (outbound.kind === 'media') return [mediaActivity(outbound.media, surface)];
  return render(outbound, surface.capabilities).map((piece) => {
    const activity: Partial<Activity> = { type: 'message', text: piece.text, textFormat: 'plain' };
    if (piece.options?.style === 'buttons' && surface.actions !== null) {
      const actions = piece.options.buttons.map((button) => cardAction(button.label, button.payload, surface.actions ?? 'imBack'));
      // `to` is optional on the wire (Web Chat ignores it); the schema's type says otherwise.
      activity.suggestedActions = (
        surface.addressed && recipientId !== undefined ? { actions, to: [recipientId] } : { actions }
      ) as SuggestedActions;
    }
    return activity;
  });
}

function cardAction(label: string, payload: string, style: 'messageBack' | 'imBack'): CardAction {
  return style === 'messageBack'
    ? { type: 'messageBack', title: label, text: label, displayText: label, value: { payload } }
    : { type: 'imBack', title: label, value: label };
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
};

function mediaActivity(media: Media, surface: Surface): Partial<Activity> {
  const caption = media.caption?.trim() ?? '';
  if (surface.mediaAsLink) return { type: 'message', text: caption === '' ? media.url : `${caption}\n${media.url}`, textFormat: 'plain' };
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(media.url)?.[1]?.toLowerCase() ?? '';
  const fallback = media.kind === 'document' ? 'application/octet-stream' : `${media.kind}/*`;
  return {
    type: 'message',
    textFormat: 'plain',
    ...(caption === '' ? {} : { text: caption }),
    attachments: [
      {
        contentType: MIME_BY_EXTENSION[extension] ?? fallback,
        contentUrl: media.url,
        ...(media.fileName === undefined ? {} : { name: media.fileName }),
      },
    ],
  };
}
