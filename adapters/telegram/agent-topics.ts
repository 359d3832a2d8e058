import type { Api } from 'grammy';
import { z } from 'zod';
import { CroupierError } from '../../src/core/errors.js';
import { TelegramTopicsBridge, type ForumApi, type TopicUpdate } from '../../src/handoff/telegram-topics.js';
import type { ChannelContext } from '../../src/server/channel.js';
import { telegramCapabilities } from './outbound.js';
import { SendThrottle, TELEGRAM_LIMITS } from './throttle.js';

/**
 * Bots "are not able to send more than 20 messages per minute to the same group" (Bot API FAQ):
 * a burst for a new topic (header, transcript), then one message every three seconds.
 */
export const GROUP_LIMIT = { burst: 20, perSecond: 20 / 60 } as const;

/** The Telegram side of agents in Telegram: which updates belong to the agents' group, and the Bot API calls for topics. */
export interface AgentTopics {
  /** Whether this update comes from the agents' group (and so must never reach the player pipeline). */
  owns(update: Record<string, unknown>): boolean;
  /** Handles an update of the agents' group; resolves once its effect is stored. */
  handle(update: Record<string, unknown>): Promise<void>;
  start(): void;
  close(): Promise<void>;
}

/**
 * Binds the hand-off desk's topic bridge (src/handoff/telegram-topics.ts) to the channel's bot, so
 * every Bot API call goes through the adapter's API root and fails with its platform errors.
 * Undefined when `channels.telegram.agentGroup` is off.
 */
export function createAgentTopics(parts: {
  readonly context: ChannelContext;
  readonly api: Api;
  /** The adapter's mapping of grammy errors to platform errors (token redacted). */
  readonly safe: (error: unknown, method: string) => CroupierError;
}): AgentTopics | undefined {
  const { context, api, safe } = parts;
  const group = context.config.channels.telegram.agentGroup;
  if (!group.enabled || group.chatId === undefined) return undefined;
  const desk = context.agentDesk;
  if (!desk) {
    throw new CroupierError('CROUPIER_CONFIG_INVALID', 'channels.telegram.agentGroup is enabled but no hand-off desk runs in this server');
  }
  const chatId = group.chatId;
  const log = context.log.child({ channel: 'telegram', component: 'agent-topics' });
  const throttle = new SendThrottle({ perChat: GROUP_LIMIT, global: TELEGRAM_LIMITS.global, clock: context.clock });
  const call = async <T>(method: string, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (error) {
      throw safe(error, method);
    }
  };
  const forum: ForumApi = {
    async createTopic(name, iconColor) {
      await throttle.wait(String(chatId));
      const topic = await call('createForumTopic', () => api.createForumTopic(chatId, name, { icon_color: iconColor }));
      return topic.message_thread_id;
    },
    async post(threadId, text) {
      await throttle.wait(String(chatId));
      await call('sendMessage', () => api.sendMessage(chatId, text, { message_thread_id: threadId }));
    },
    async closeTopic(threadId) {
      await call('closeForumTopic', () => api.closeForumTopic(chatId, threadId));
    },
    async reopenTopic(threadId) {
      await call('reopenForumTopic', () => api.reopenForumTopic(chatId, threadId));
    },
  };
  const bridge = new TelegramTopicsBridge({
    chatId: String(chatId),
    desk,
    store: context.store,
    api: forum,
    clock: context.clock,
    log,
    transcriptLines: group.transcriptLines,
    textMax: telegramCapabilities.textMax,
    ...(context.config.handoff.businessHours ? { timeZone: context.config.handoff.businessHours.timezone } : {}),
  });

  return {
    owns: (update) => chatOf(update) === chatId,
    async handle(update) {
      const read = readTopicUpdate(update);
      if (!read) {
        log.debug({ update: update['update_id'] }, 'telegram topics: an update of the agents’ group that is not a topic message; ignored');
        return;
      }
      await bridge.handle(read);
    },
    start: () => bridge.start(),
    close: () => bridge.close(),
  };
}

// The parts of a group message this reads (https://core.telegram.org/bots/api#message).
const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});
const groupMessage = z.looseObject({
  message_id: z.number().int(),
  message_thread_id: z.number().int().optional(),
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  forum_topic_closed: z.unknown().optional(),
  forum_topic_reopened: z.unknown().optional(),
});
const MEDIA = ['photo', 'document', 'video', 'voice', 'audio', 'animation', 'sticker', 'video_note', 'location', 'contact'] as const;

/** A message in a topic of the agents' group, or undefined (General topic, edits, other kinds of updates). */
export function readTopicUpdate(update: Record<string, unknown>): TopicUpdate | undefined {
  const parsed = groupMessage.safeParse(update['message']);
  if (!parsed.success) return undefined;
  const msg = parsed.data;
  if (msg.message_thread_id === undefined || !msg.from) return undefined;
  const name = [msg.from.first_name, msg.from.last_name].filter((part) => part !== undefined && part !== '').join(' ');
  const from = { id: String(msg.from.id), name, isBot: msg.from.is_bot === true };
  const base = { messageId: msg.message_id, threadId: msg.message_thread_id, from };
  if (msg.forum_topic_closed !== undefined) return { kind: 'topic_closed', ...base };
  if (msg.forum_topic_reopened !== undefined) return { kind: 'topic_reopened', ...base };
  const text = msg.text ?? msg.caption;
  const media = MEDIA.some((key) => msg[key] !== undefined);
  if (text === undefined && !media) return undefined;
  return { kind: 'message', ...base, ...(text === undefined ? {} : { text }), media };
}

/** The chat an update belongs to, whatever its kind (message, edited_message, callback_query, my_chat_member…). */
function chatOf(update: Record<string, unknown>): number | undefined {
  for (const [key, value] of Object.entries(update)) {
    if (key === 'update_id' || typeof value !== 'object' || value === null) continue;
    const record = value as { chat?: unknown; message?: { chat?: unknown } };
    const chat = (record.chat ?? record.message?.chat) as { id?: unknown } | undefined;
    if (chat && typeof chat.id === 'number') return chat.id;
  }
  return undefined;
}
