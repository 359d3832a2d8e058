import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { CroupierError, isCroupierError } from '../../src/core/errors.js';
import { linkVerifiedAccount } from '../../src/core/identity.js';
import type { Inbound } from '../../src/core/message.js';
import { verifyPlayerToken } from '../../src/core/player-token.js';
import type { ChannelAdapter, ChannelCapabilities, ChannelContext } from '../../src/server/channel.js';
import { issueConversationId, isValidConversationId } from './conversation-id.js';
import { clientFrame, httpMessageBody, outboundToWire, toWire, type ServerFrame, type WireMessage } from './protocol.js';

const CHANNEL = 'web';

function rawToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The widget renders up to 10 quick replies and long texts scroll, so nothing needs degrading. */
export const webCapabilities: ChannelCapabilities = {
  buttons: { max: 10, labelMax: 60 },
  textMax: 4000,
  formatting: 'plain',
};

/**
 * The web chat channel: the embeddable widget (`/widget.js`), its WebSocket (`/web/socket`), a
 * plain HTTP API for integrators (`POST /web/messages`) and the demo casino page at `/`.
 */
export function createWebChannel(context: ChannelContext): ChannelAdapter | undefined {
  const settings = context.config.channels.web;
  if (!settings.enabled) return undefined;
  const sockets = new Map<string, Set<WebSocket>>();
  const log = context.log.child({ channel: CHANNEL });

  const broadcast = (conversationKey: string, frame: ServerFrame, except?: WebSocket) => {
    const open = sockets.get(conversationKey);
    if (!open || open.size === 0) return;
    const data = JSON.stringify(frame);
    for (const socket of open) {
      if (socket !== except && socket.readyState === socket.OPEN) socket.send(data);
    }
  };

  /** Verifies an optional player token and links this web visitor to the casino account. */
  const identify = async (conversationKey: string, playerToken: string | undefined): Promise<void> => {
    if (playerToken === undefined) return;
    const secret = context.secrets.playerTokenSecret;
    if (!secret)
      throw new CroupierError(
        'CROUPIER_TOKEN_INVALID',
        'player tokens are not enabled on this server (CROUPIER_PLAYER_TOKEN_SECRET is unset)',
      );
    const claims = verifyPlayerToken(playerToken, secret, context.clock.now());
    await linkVerifiedAccount(
      context.store.players,
      { channel: CHANNEL, userId: conversationKey },
      claims.sub,
      context.clock.now(),
      claims.name,
    );
  };

  const toInbound = (
    conversationKey: string,
    message: { clientMessageId: string; text?: string; payload?: string },
    locale: string | undefined,
    raw: unknown,
  ): Inbound => ({
    platformMessageId: message.clientMessageId,
    channel: CHANNEL,
    conversationKey,
    sender: { channel: CHANNEL, userId: conversationKey, ...(locale ? { localeHint: locale } : {}) },
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.payload !== undefined ? { payload: message.payload } : {}),
    attachments: [],
    receivedAt: context.clock.now(),
    raw,
  });

  const history = async (conversationKey: string): Promise<WireMessage[]> => {
    const conversation = await context.store.conversations.findByKey(CHANNEL, conversationKey);
    if (!conversation) return [];
    const entries = await context.store.transcript.list(conversation.id, { limit: settings.historyLimit });
    return entries.map(toWire);
  };

  const originAllowed = (origin: string | undefined) =>
    settings.allowedOrigins.length === 0 || (origin !== undefined && settings.allowedOrigins.includes(origin));

  const handleSocket = (socket: WebSocket, origin: string | undefined) => {
    if (!originAllowed(origin)) {
      socket.close(1008, 'origin not allowed');
      return;
    }
    let key: string | undefined;
    let locale: string | undefined;
    const send = (frame: ServerFrame) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    const helloTimer = setTimeout(() => {
      if (key === undefined) socket.close(1008, 'hello expected');
    }, 15_000);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (key !== undefined) {
        const set = sockets.get(key);
        set?.delete(socket);
        if (set && set.size === 0) sockets.delete(key);
      }
    });
    // Frames are handled one after another so a client's messages keep their order.
    let chain = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      chain = chain
        .then(() => onFrame(isBinary ? '' : rawToText(data)))
        .catch((error: unknown) => {
          log.error({ err: error, code: 'CROUPIER_PIPELINE_STAGE_FAILED' }, 'web socket frame failed');
          send({ type: 'error', code: 'CROUPIER_PIPELINE_STAGE_FAILED', message: 'Something went wrong. Please try again.' });
        });
    });

    const onFrame = async (text: string) => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        send({ type: 'error', code: 'CROUPIER_INPUT_INVALID', message: 'frames must be JSON' });
        return;
      }
      const parsed = clientFrame.safeParse(json);
      if (!parsed.success) {
        // Name the refused message, so the widget stops resending it from its outbox.
        const refused = typeof json === 'object' && json !== null ? (json as { clientMessageId?: unknown }).clientMessageId : undefined;
        send({
          type: 'error',
          code: 'CROUPIER_INPUT_INVALID',
          message: parsed.error.issues[0]?.message ?? 'invalid frame',
          ...(typeof refused === 'string' ? { clientMessageId: refused } : {}),
        });
        return;
      }
      const frame = parsed.data;
      if (frame.type === 'hello') {
        clearTimeout(helloTimer);
        const previous = key;
        key =
          frame.conversationId && isValidConversationId(frame.conversationId, context.serverSecret)
            ? frame.conversationId
            : issueConversationId(context.serverSecret);
        locale = frame.locale;
        if (previous !== undefined && previous !== key) sockets.get(previous)?.delete(socket);
        let set = sockets.get(key);
        if (!set) sockets.set(key, (set = new Set()));
        set.add(socket);
        try {
          await identify(key, frame.playerToken);
        } catch (error) {
          if (!isCroupierError(error, 'CROUPIER_TOKEN_INVALID')) throw error;
          log.warn({ code: error.code, reason: error.message }, 'player token refused; continuing unverified');
          send({ type: 'error', code: error.code, message: 'We could not confirm your login; you can still chat.' });
        }
        send({ type: 'ready', conversationId: key, history: await history(key) });
        return;
      }
      if (key === undefined) {
        send({ type: 'error', code: 'CROUPIER_INPUT_INVALID', message: 'send hello first' });
        return;
      }
      send({ type: 'typing', on: true });
      const inbound = toInbound(key, frame, locale, frame);
      // Other open tabs of the same conversation see what the player wrote here, before the answer
      // (a resent message carries the same clientMessageId, which the widget deduplicates).
      broadcast(
        key,
        {
          type: 'message',
          message: {
            id: frame.clientMessageId,
            direction: 'in',
            author: 'player',
            ...(frame.text !== undefined ? { text: frame.text } : {}),
            at: inbound.receivedAt.toISOString(),
            clientMessageId: frame.clientMessageId,
          },
        },
        socket,
      );
      const result = await context.handle(inbound);
      send({ type: 'typing', on: false });
      send({ type: 'ack', clientMessageId: frame.clientMessageId, id: frame.clientMessageId });
      if (result.failed) log.warn({ turn: result.turnId }, 'turn failed; the player got an apology');
    };
  };

  return {
    id: CHANNEL,
    capabilities: webCapabilities,

    async register(server: FastifyInstance) {
      await server.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
      await server.register(fastifyStatic, {
        root: join(context.rootDir, 'adapters', 'web', 'public'),
        prefix: '/',
        index: ['index.html'],
        cacheControl: true,
        maxAge: 60_000,
      });
      server.get('/web/socket', { websocket: true }, (socket, request) => handleSocket(socket, request.headers.origin));

      server.post('/web/messages', async (request, reply) => {
        const parsed = httpMessageBody.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new CroupierError('CROUPIER_INPUT_INVALID', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body');
        }
        const body = parsed.data;
        if (body.conversationId !== undefined && !isValidConversationId(body.conversationId, context.serverSecret)) {
          throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', 'unknown conversationId: omit it to start a new conversation');
        }
        const key = body.conversationId ?? issueConversationId(context.serverSecret);
        await identify(key, body.playerToken);
        const message = {
          clientMessageId: body.clientMessageId ?? context.ids(),
          ...(body.text !== undefined ? { text: body.text } : {}),
          ...(body.payload !== undefined ? { payload: body.payload } : {}),
        };
        const result = await context.handle(toInbound(key, message, body.locale, body));
        return reply.send({
          conversationId: key,
          duplicate: result.duplicate,
          replies: result.replies.map((entry) => {
            const wire = toWire(entry);
            return { id: wire.id, author: wire.author, text: wire.text ?? '', buttons: wire.buttons ?? [], at: wire.at };
          }),
        });
      });
    },

    async send(target, outbound, entry) {
      if (outbound.kind === 'typing') {
        broadcast(target.conversationKey, { type: 'typing', on: outbound.on });
        return;
      }
      // Over the HTTP API nobody has the conversation open: nothing to render, only the id to record.
      if (!sockets.get(target.conversationKey)?.size) return { platformMessageId: entry ? entry.id : context.ids() };
      const message = entry ? toWire(entry) : outboundToWire(outbound, context.ids(), context.clock.now());
      broadcast(target.conversationKey, { type: 'message', message });
      return { platformMessageId: message.id };
    },

    describe() {
      const base = context.config.server.publicUrl ?? '';
      return [`web: widget ${base}/widget.js, demo page ${base}/, socket ${base}/web/socket, HTTP API POST ${base}/web/messages`];
    },

    async close() {
      for (const set of sockets.values()) for (const socket of set) socket.close(1001, 'server shutting down');
      sockets.clear();
    },
  };
}
