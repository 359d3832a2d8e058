import type { Clock } from '../clock.js';
import type { Stage } from '../compose.js';
import { languageFromLocale } from '../language.js';
import type { Turn } from '../turn.js';
import type { Store } from '../../store/store.js';

export interface LanguageSettings {
  /** Languages the content supports (one folder each under intents/). */
  readonly supported: () => readonly string[];
  /** The language to answer in when nothing else is known. */
  readonly fallback: string;
}

/**
 * Loads (or creates) the player and the conversation, stores the inbound message in the
 * transcript, lets the rest of the pipeline run, then stores the replies and the new state.
 */
export function conversationStage(store: Store, clock: Clock, languages: LanguageSettings): Stage<Turn> {
  return {
    name: 'conversation',
    requires: ['ordering'],
    async run(turn, next) {
      const { inbound } = turn;
      const player = await store.players.findOrCreateByAccount(
        { channel: inbound.channel, userId: inbound.sender.userId },
        inbound.sender.displayName === undefined
          ? { at: inbound.receivedAt }
          : { displayName: inbound.sender.displayName, at: inbound.receivedAt },
      );
      const conversation = await store.conversations.findOrCreate(
        { channel: inbound.channel, conversationKey: inbound.conversationKey },
        { playerId: player.id, language: null, at: inbound.receivedAt },
      );
      turn.player = player;
      turn.conversation = conversation;
      turn.bindLog({ conversationId: conversation.id });
      turn.language =
        conversation.language ??
        player.language ??
        languageFromLocale(inbound.sender.localeHint, languages.supported()) ??
        languages.fallback;

      turn.received = await store.transcript.append({
        conversationId: conversation.id,
        direction: 'in',
        author: 'player',
        ...(inbound.text === undefined ? {} : { text: inbound.text }),
        ...(inbound.payload === undefined ? {} : { payload: inbound.payload }),
        attachments: inbound.attachments,
        platformMessageId: inbound.platformMessageId,
        at: inbound.receivedAt,
        raw: inbound.raw,
      });
      await store.events.append({
        type: 'message.received',
        at: inbound.receivedAt,
        conversationId: conversation.id,
        playerId: player.id,
        data: { channel: inbound.channel },
      });

      await next();

      const now = clock.now();
      for (const reply of turn.replies) {
        if (reply.kind === 'typing') continue;
        const entry = await store.transcript.append({
          conversationId: conversation.id,
          direction: 'out',
          author: reply.author,
          ...(reply.kind === 'text' ? { text: reply.text, ...(reply.buttons ? { buttons: reply.buttons } : {}) } : {}),
          ...(reply.kind === 'media'
            ? { attachments: [{ kind: reply.media.kind, url: reply.media.url, caption: reply.media.caption }] }
            : {}),
          at: now,
          delivery: 'pending',
        });
        turn.stored.push(entry);
      }
      conversation.language = turn.language;
      conversation.updatedAt = now;
      await store.conversations.save(conversation);
      if (player.language !== turn.language) {
        player.language = turn.language;
        await store.players.save(player);
      }
    },
  };
}
